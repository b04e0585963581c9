import type { EpochRecord } from "../spec/types";
import type { TrialArtifact } from "./artifacts";
import { checkpointEpoch, sweepKeys, trialKeys } from "./keys";
import type { ArtifactStore } from "./store";

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

/**
 * Writes `curves.csv` then `curves.json`. The JSON is the commit point: readers (and the
 * idempotency check) only trust a trial whose `curves.json` exists. JSON turns non-finite
 * numbers into `null`; `readTrial` turns them back into NaN.
 */
export async function writeTrial(store: ArtifactStore, artifact: TrialArtifact): Promise<void> {
  const keys = trialKeys(artifact.sweepId, artifact.trialId);
  await store.putBytes(keys.curvesCsv, curvesToCsv(artifact.records), "text/csv");
  await store.putJson(keys.curves, artifact);
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

export async function readTrial(
  store: ArtifactStore,
  sweepId: string,
  trialId: string,
): Promise<TrialArtifact | undefined> {
  const artifact = await store.tryGetJson<TrialArtifact>(trialKeys(sweepId, trialId).curves);
  if (!artifact) return undefined;
  return { ...artifact, records: artifact.records.map(reviveRecord) };
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

/** Saves a checkpoint under its epoch and prunes all but the newest few. */
export async function saveCheckpoint(
  store: ArtifactStore,
  sweepId: string,
  trialId: string,
  epoch: number,
  bytes: Uint8Array,
): Promise<void> {
  const keys = trialKeys(sweepId, trialId);
  await store.putBytes(keys.checkpoint(epoch), bytes, "application/octet-stream");
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
