import type { EpochRecord } from "../spec/types";
import type { TrialArtifact } from "./artifacts";
import { eachLimited } from "./each-limited";
import { checkpointEpoch, legacyTrialKeys, lineageKeys, sweepKeys, trialKeys } from "./keys";
import { AttemptSupersededError, type TrialLease } from "./lease";
import { type ArtifactStore, ObjectNotFoundError, PreconditionFailedError } from "./store";

/** Checkpoints kept per trial: the newest two, so a crash while writing one leaves the other. */
const KEEP_CHECKPOINTS = 2;

const CSV_COLUMNS: (keyof EpochRecord)[] = [
  "epoch",
  "trainLoss",
  "valLoss",
  "trainMetric",
  "valMetric",
  "seconds",
];

/** CSV of a trial's curves; non-finite values are written as `NaN`/`Infinity` verbatim. */
export function curvesToCsv(records: EpochRecord[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of records) lines.push(CSV_COLUMNS.map((c) => String(r[c])).join(","));
  return `${lines.join("\n")}\n`;
}

/** Completed and diverged trials are final: their id hashes everything that shapes the result. */
export function isFinal(a: Pick<TrialArtifact, "status">): boolean {
  return a.status === "completed" || a.status === "diverged";
}

/**
 * Commits `curves.json`, then writes `curves.csv` from what is committed, and returns what is
 * stored afterwards. The JSON is the commit point: readers (and the idempotency check) only
 * trust a trial whose `curves.json` exists. The commit is a conditional PUT on the version read,
 * so it never replaces a final result (that one is returned instead), and with a `lease` never
 * one written under a newer fencing token; a stale lease throws AttemptSupersededError. JSON
 * turns non-finite numbers into `null`; `readTrial` turns them back into NaN.
 */
export async function writeTrial(
  store: ArtifactStore,
  artifact: TrialArtifact,
  lease?: TrialLease,
): Promise<TrialArtifact> {
  const keys = trialKeys(artifact.trialId);
  const mine = lease ? { ...artifact, fencingToken: lease.token } : artifact;
  for (;;) {
    const stored = await store.tryGetVersionedJson<TrialArtifact>(keys.curves);
    if (stored && isFinal(stored.value)) {
      // A writer that committed it may have died before its CSV: finish that for it.
      await syncCurvesCsv(store, artifact.trialId);
      return revive(stored.value);
    }
    if (lease) {
      if ((stored?.value.fencingToken ?? 0) > lease.token) {
        throw new AttemptSupersededError(
          `trial ${artifact.trialId}: a newer attempt (token ${stored?.value.fencingToken}) committed first`,
        );
      }
      await lease.check();
    }
    let etag: string;
    try {
      etag = await store.putJson(
        keys.curves,
        mine,
        stored ? { ifMatch: stored.etag } : { ifNoneMatch: "*" },
      );
    } catch (error) {
      // Someone committed between our read and our write: decide again on what they wrote.
      if (!(error instanceof PreconditionFailedError)) throw error;
      continue;
    }
    await syncCurvesCsv(store, artifact.trialId, { etag, records: mine.records });
    return mine;
  }
}

/**
 * Makes `curves.csv` the CSV of the committed `curves.json`, whoever calls it and however late:
 * the CSV's version is read before the JSON and the PUT is conditional on it, so a writer frozen
 * between its read and its PUT loses to any CSV written meanwhile (from a JSON at least as new)
 * and reads again. The last CSV to land is therefore always the newest commit's.
 * `ours`: the commit this writer just made, whose in-memory records write exact non-finite values.
 */
async function syncCurvesCsv(
  store: ArtifactStore,
  trialId: string,
  ours?: { etag: string; records: EpochRecord[] },
) {
  const keys = trialKeys(trialId);
  for (;;) {
    const csv = await store.tryGetVersionedBytes(keys.curvesCsv);
    const committed = await store.tryGetVersionedJson<TrialArtifact>(keys.curves);
    if (!committed) return;
    // Our own commit keeps its exact records (JSON has turned Infinity into null).
    const records = committed.etag === ours?.etag ? ours.records : revive(committed.value).records;
    const text = curvesToCsv(records);
    if (csv && csv.value.toString("utf8") === text) return;
    try {
      await store.putBytes(
        keys.curvesCsv,
        text,
        "text/csv",
        csv ? { ifMatch: csv.etag } : { ifNoneMatch: "*" },
      );
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
}

function reviveRecord(r: EpochRecord): EpochRecord {
  const fix = (v: number | null) => (v === null ? Number.NaN : v);
  return {
    ...r,
    trainLoss: fix(r.trainLoss),
    valLoss: fix(r.valLoss),
    trainMetric: fix(r.trainMetric),
    valMetric: fix(r.valMetric),
  };
}

function revive(artifact: TrialArtifact): TrialArtifact {
  return { ...artifact, records: artifact.records.map(reviveRecord) };
}

/** A trial's stored artefact (`trials/<trialId>/curves.json`), whichever sweep wrote it. */
export async function readTrial(
  store: ArtifactStore,
  trialId: string,
): Promise<TrialArtifact | undefined> {
  return readArtifactAt(store, trialKeys(trialId).curves);
}

async function readArtifactAt(store: ArtifactStore, key: string) {
  const artifact = await store.tryGetJson<TrialArtifact>(key);
  return artifact ? revive(artifact) : undefined;
}

/** What a sweep keeps of each of its trials: `sweeps/<sweepId>/trials/<trialId>.json`. */
export interface TrialRef {
  trialId: string;
  params: TrialArtifact["params"];
}

/**
 * Records that `sweepId` has the trial (trained here, resumed, or reused from another sweep), so
 * its results and report list it. Idempotent: same key, same content. Every training activity
 * calls it before its first write of the trial.
 */
export async function linkTrial(
  store: ArtifactStore,
  sweepId: string,
  trial: TrialRef,
): Promise<void> {
  const ref: TrialRef = { trialId: trial.trialId, params: trial.params };
  await store.putJson(sweepKeys(sweepId).trialRef(trial.trialId), ref);
}

/**
 * Where each trial of a sweep is stored, from the listing of `sweeps/<sweepId>/trials/`: a
 * reference `<trialId>.json` points at `trials/<trialId>/curves.json`; an older bucket's
 * `<trialId>/curves.json` under the sweep is read where it lies (see `legacyTrialKeys`).
 */
async function sweepTrialKeys(store: ArtifactStore, sweepId: string): Promise<string[]> {
  const prefix = sweepKeys(sweepId).trialsPrefix;
  const out = new Map<string, string>();
  for (const key of await store.list(prefix)) {
    const rest = key.slice(prefix.length);
    const ref = /^([^/]+)\.json$/.exec(rest)?.[1];
    if (ref !== undefined) out.set(ref, trialKeys(ref).curves);
    const legacy = /^([^/]+)\/curves\.json$/.exec(rest)?.[1];
    if (legacy !== undefined && !out.has(legacy)) {
      out.set(legacy, legacyTrialKeys(sweepId, legacy).curves);
    }
  }
  return [...out.values()];
}

/** Every trial artefact of a sweep (for summaries and reports), read 16 at a time. */
export async function readAllTrials(
  store: ArtifactStore,
  sweepId: string,
): Promise<TrialArtifact[]> {
  return readTrialsAt(store, await sweepTrialKeys(store, sweepId));
}

/** The stored artefacts of the given trials (missing ones left out), read 16 at a time. */
export async function readTrials(
  store: ArtifactStore,
  trialIds: string[],
): Promise<TrialArtifact[]> {
  return readTrialsAt(
    store,
    trialIds.map((id) => trialKeys(id).curves),
  );
}

async function readTrialsAt(store: ArtifactStore, keys: string[]): Promise<TrialArtifact[]> {
  const out: (TrialArtifact | undefined)[] = new Array(keys.length);
  let next = 0;
  const reader = async () => {
    for (let i = next++; i < keys.length; i = next++) {
      out[i] = await readArtifactAt(store, keys[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, keys.length) }, reader));
  return out.filter((a): a is TrialArtifact => a !== undefined);
}

/**
 * A finished trial of a bucket written before trials were shared (`legacyTrialKeys`), copied to
 * `trials/<trialId>/` so that from now on every sweep finds it there; undefined when there is
 * none or it is not final. The old copy stays (old sweeps' results still read it).
 */
export async function adoptLegacyTrial(
  store: ArtifactStore,
  sweepId: string,
  trialId: string,
): Promise<TrialArtifact | undefined> {
  const old = await readArtifactAt(store, legacyTrialKeys(sweepId, trialId).curves);
  if (!old || !isFinal(old)) return undefined;
  return writeTrial(store, old);
}

/**
 * Saves a checkpoint under its epoch and prunes all but the newest few, only while `lease` still
 * owns the trial (else AttemptSupersededError). Training is deterministic, so a checkpoint a
 * superseded attempt slipped in just before losing the trial holds the same state as the
 * owner's at that epoch.
 */
export async function saveCheckpoint(
  store: ArtifactStore,
  lease: TrialLease,
  epoch: number,
  bytes: Uint8Array,
): Promise<void> {
  const { trialId } = lease;
  const keys = trialKeys(trialId);
  await lease.check();
  await store.putBytes(keys.checkpoint(epoch), bytes, "application/octet-stream");
  await lease.check();
  const all = await listCheckpoints(store, trialId);
  await store.remove(all.slice(0, Math.max(0, all.length - KEEP_CHECKPOINTS)).map((c) => c.key));
}

async function listCheckpoints(store: ArtifactStore, trialId: string) {
  const keys = await store.list(trialKeys(trialId).checkpointsPrefix);
  return keys
    .map((key) => ({ key, epoch: checkpointEpoch(key) }))
    .filter((c): c is { key: string; epoch: number } => c.epoch !== undefined)
    .sort((a, b) => a.epoch - b.epoch);
}

/** A trial as a member of its lineage (see `lineageIdOf`). */
export interface LineageMember {
  trialId: string;
  epochs: number;
}

/** Records that the trial belongs to the lineage, so longer trials of it find its checkpoints. */
export async function joinLineage(
  store: ArtifactStore,
  lineageId: string,
  member: LineageMember,
): Promise<void> {
  await store.putJson(lineageKeys(lineageId).member(member.trialId), member);
}

/**
 * The newest checkpoint another trial of the lineage holds at or below `epochs` (where a trial
 * of `epochs` epochs can start instead of epoch 0), or undefined. Shorter trials are looked at
 * first, newest checkpoint first; `accept` vets the bytes (an undecodable one is skipped).
 */
export async function lineageCheckpoint(
  store: ArtifactStore,
  lineageId: string,
  self: LineageMember,
  accept: (bytes: Uint8Array) => boolean = () => true,
): Promise<{ epoch: number; bytes: Uint8Array; trialId: string } | undefined> {
  const keys = lineageKeys(lineageId);
  // The member's key names its trial: no read per member (what is looked at is its checkpoints).
  const members = (await store.list(keys.root))
    .map((key) => keys.trialIdOf(key))
    .filter((trialId): trialId is string => trialId !== undefined && trialId !== self.trialId);
  const found = (
    await Promise.all(
      members.map(async (trialId) =>
        (
          await listCheckpoints(store, trialId)
        )
          .filter((c) => c.epoch <= self.epochs)
          .map((c) => ({ ...c, trialId })),
      ),
    )
  )
    .flat()
    .sort((a, b) => b.epoch - a.epoch);
  for (const c of found) {
    // Pruned between the listing and now: the next one.
    const bytes = await store.getBytes(c.key).catch((error: unknown) => {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    });
    if (bytes && accept(bytes)) return { epoch: c.epoch, bytes, trialId: c.trialId };
  }
  return undefined;
}

/** The newest checkpoint of a trial, if any. */
export async function latestCheckpoint(
  store: ArtifactStore,
  trialId: string,
): Promise<{ epoch: number; bytes: Uint8Array } | undefined> {
  const newest = (await listCheckpoints(store, trialId)).at(-1);
  if (!newest) return undefined;
  return { epoch: newest.epoch, bytes: await store.getBytes(newest.key) };
}

/**
 * Forgets what is stored of these trials (curves and checkpoints, and an older bucket's copy
 * under `sweepId`), so the next sweep that has them trains them afresh: `run --retrain`. The
 * owner record stays, so fencing tokens keep growing; a `fresh.json` marker keeps the retrain
 * from starting at another trial's checkpoint of the lineage. Sweeps that referenced the trials
 * list them again once they are retrained (same id, same settings). Returns how many had results.
 */
export async function forgetTrials(
  store: ArtifactStore,
  sweepId: string,
  trialIds: string[],
): Promise<number> {
  // Trials are independent: forgotten STORE_CONCURRENCY at a time (a big sweep's retrain).
  const had = await eachLimited(trialIds, async (trialId) => {
    const keys = trialKeys(trialId);
    const legacy = legacyTrialKeys(sweepId, trialId);
    const stored = [
      ...(await store.list(keys.checkpointsPrefix)),
      ...(await store.list(legacy.root)),
      ...((await store.exists(keys.curves)) ? [keys.curves, keys.curvesCsv] : []),
    ];
    // The commit point first: from here on no reader trusts the rest.
    await store.remove(stored.filter((k) => k === keys.curves || k === legacy.curves));
    await store.remove(stored.filter((k) => k !== keys.curves && k !== legacy.curves));
    // Trained again means from epoch 0: not from a checkpoint of a shorter (or longer) trial of
    // its lineage either (`startingPoint`).
    await store.putJson(keys.fresh, { forgottenAt: new Date().toISOString() });
    return stored.includes(keys.curves) || stored.includes(legacy.curves);
  });
  return had.filter(Boolean).length;
}

/** Whether the trial was forgotten for a retrain (`forgetTrials`): it takes no lineage checkpoint. */
export function isMarkedFresh(store: ArtifactStore, trialId: string): Promise<boolean> {
  return store.exists(trialKeys(trialId).fresh);
}
