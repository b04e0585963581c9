import type { EpochRecord } from "../spec/types";
import type { TrialArtifact } from "./artifacts";
import { checkpointEpoch, sweepKeys, trialKeys } from "./keys";
import { AttemptSupersededError, type TrialLease } from "./lease";
import { type ArtifactStore, PreconditionFailedError } from "./store";

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
  const keys = trialKeys(artifact.sweepId, artifact.trialId);
  const mine = lease ? { ...artifact, fencingToken: lease.token } : artifact;
  for (;;) {
    const stored = await store.tryGetVersionedJson<TrialArtifact>(keys.curves);
    if (stored && isFinal(stored.value)) {
      // A writer that committed it may have died before its CSV: finish that for it.
      await syncCurvesCsv(store, artifact.sweepId, artifact.trialId);
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
    await syncCurvesCsv(store, artifact.sweepId, artifact.trialId, { etag, records: mine.records });
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
  sweepId: string,
  trialId: string,
  ours?: { etag: string; records: EpochRecord[] },
) {
  const keys = trialKeys(sweepId, trialId);
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

export async function readTrial(
  store: ArtifactStore,
  sweepId: string,
  trialId: string,
): Promise<TrialArtifact | undefined> {
  const artifact = await store.tryGetJson<TrialArtifact>(trialKeys(sweepId, trialId).curves);
  return artifact ? revive(artifact) : undefined;
}

/** Every trial artefact of a sweep (for summaries and reports), read 16 at a time. */
export async function readAllTrials(
  store: ArtifactStore,
  sweepId: string,
): Promise<TrialArtifact[]> {
  const trialIds = (await store.list(sweepKeys(sweepId).trialsPrefix))
    .filter((k) => k.endsWith("/curves.json"))
    .map((k) => k.split("/").at(-2))
    .filter((id): id is string => id !== undefined);
  const out: (TrialArtifact | undefined)[] = new Array(trialIds.length);
  let next = 0;
  const reader = async () => {
    for (let i = next++; i < trialIds.length; i = next++) {
      out[i] = await readTrial(store, sweepId, trialIds[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, trialIds.length) }, reader));
  return out.filter((a): a is TrialArtifact => a !== undefined);
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
  const { sweepId, trialId } = lease;
  const keys = trialKeys(sweepId, trialId);
  await lease.check();
  await store.putBytes(keys.checkpoint(epoch), bytes, "application/octet-stream");
  await lease.check();
  const all = await listCheckpoints(store, sweepId, trialId);
  await store.remove(all.slice(0, Math.max(0, all.length - KEEP_CHECKPOINTS)).map((c) => c.key));
}

async function listCheckpoints(store: ArtifactStore, sweepId: string, trialId: string) {
  const keys = await store.list(trialKeys(sweepId, trialId).checkpointsPrefix);
  return keys
    .map((key) => ({ key, epoch: checkpointEpoch(key) }))
    .filter((c): c is { key: string; epoch: number } => c.epoch !== undefined)
    .sort((a, b) => a.epoch - b.epoch);
}

/** The newest checkpoint of a trial, if any. */
export async function latestCheckpoint(
  store: ArtifactStore,
  sweepId: string,
  trialId: string,
): Promise<{ epoch: number; bytes: Uint8Array } | undefined> {
  const newest = (await listCheckpoints(store, sweepId, trialId)).at(-1);
  if (!newest) return undefined;
  return { epoch: newest.epoch, bytes: await store.getBytes(newest.key) };
}
