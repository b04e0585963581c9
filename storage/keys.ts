/**
 * The object layout of DESIGN.md: every key derives from sweep and trial ids, so retries
 * overwrite. Trials live under their own id, independent of any sweep (`trials/<trialId>/…`,
 * one copy each), so every sweep that expands to a trial finds it; a sweep references its
 * trials (`sweeps/<sweepId>/trials/<trialId>.json`) and keeps its own spec, summary,
 * leaderboard and report.
 */
import { UsageError } from "../errors";

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkId(kind: string, id: string): string {
  if (!ID.test(id)) throw new UsageError(`invalid ${kind} id ${JSON.stringify(id)}`);
  return id;
}

export function sweepPrefix(sweepId: string): string {
  return `sweeps/${checkId("sweep", sweepId)}/`;
}

export function sweepKeys(sweepId: string) {
  const root = sweepPrefix(sweepId);
  return {
    root,
    spec: `${root}spec.json`,
    summary: `${root}summary.json`,
    leaderboard: `${root}leaderboard.csv`,
    report: `${root}report/index.html`,
    /** The sweep's trial references (and, in older buckets, its trials themselves: `legacyTrialKeys`). */
    trialsPrefix: `${root}trials/`,
    /** The reference to one of its trials: `{ trialId, params }`, the trial itself under `trialKeys`. */
    trialRef: (trialId: string) => `${root}trials/${checkId("trial", trialId)}.json`,
  };
}

export const TRIALS_PREFIX = "trials/";

function trialFiles(root: string) {
  return {
    root,
    curves: `${root}curves.json`,
    curvesCsv: `${root}curves.csv`,
    /** The fencing record of the attempt that owns the trial (storage/lease.ts). */
    owner: `${root}owner.json`,
    /** Set by `run --retrain`: the trial trains from its own checkpoints or epoch 0, never a lineage's. */
    fresh: `${root}fresh.json`,
    checkpointsPrefix: `${root}checkpoints/`,
    /** Zero-padded so that lexical order is epoch order. */
    checkpoint: (epoch: number) =>
      `${root}checkpoints/epoch-${String(epoch).padStart(6, "0")}.ckpt`,
  };
}

/** A trial's objects, shared by every sweep that has the trial: `trials/<trialId>/…`. */
export function trialKeys(trialId: string) {
  return trialFiles(`${TRIALS_PREFIX}${checkId("trial", trialId)}/`);
}

/**
 * Where buckets written before trials were shared kept a trial: under its sweep,
 * `sweeps/<sweepId>/trials/<trialId>/…`. Read only (results and reports of old sweeps, and reuse
 * of their finished trials); nothing writes there any more.
 */
export function legacyTrialKeys(sweepId: string, trialId: string) {
  return trialFiles(`${sweepPrefix(sweepId)}trials/${checkId("trial", trialId)}/`);
}

/**
 * Trials of one lineage (same settings but epochs, `lineageIdOf`): `lineages/<lineageId>/<trialId>.json`
 * holds `{ trialId, epochs }`, so a trial that needs more epochs finds a shorter one's checkpoints.
 */
export function lineageKeys(lineageId: string) {
  const root = `lineages/${checkId("lineage", lineageId)}/`;
  return {
    root,
    member: (trialId: string) => `${root}${checkId("trial", trialId)}.json`,
    /** The trial a member key names, or undefined when the key is not a member's. */
    trialIdOf: (key: string): string | undefined => {
      const name = key.startsWith(root) ? key.slice(root.length) : "";
      const id = name.endsWith(".json") ? name.slice(0, -".json".length) : "";
      return ID.test(id) ? id : undefined;
    },
  };
}

/** Epoch of a checkpoint key, or undefined when the key is not one. */
export function checkpointEpoch(key: string): number | undefined {
  const m = /checkpoints\/epoch-(\d{6,})\.ckpt$/.exec(key);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Content-addressed dataset upload: same bytes, same key (and so the same trial ids). */
export function datasetKey(contentHash: string, fileName: string): string {
  const safe = fileName.replace(/[^A-Za-z0-9._-]/g, "_");
  return `datasets/${checkId("dataset", contentHash)}/${safe}`;
}

/** Content-addressed user code (a folder bundle): the key names the SHA-256 of its bytes. */
export function codeKey(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256))
    throw new UsageError(`invalid code hash ${JSON.stringify(sha256)}`);
  return `code/${sha256}/bundle.json`;
}

/** The SHA-256 a code key names, or undefined when the key is not one. */
export function codeHashOf(key: string): string | undefined {
  return /^code\/([0-9a-f]{64})\/bundle\.json$/.exec(key)?.[1];
}

export const S3_SCHEME = "s3://";

/**
 * A bundled model module, content-addressed by the SHA-256 of the bundle (all 64 hex digits:
 * workers verify the bytes against it before running them).
 */
export function moduleKey(sha256: string, fileName: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new UsageError(`invalid code hash ${sha256}`);
  return `code/${sha256}/${fileName.replace(/[^A-Za-z0-9._-]/g, "_")}.cjs`;
}

/** The hash and file name in a code key, or undefined when `key` is not one. */
export function parseCodeKey(key: string): { sha256: string; fileName: string } | undefined {
  const m = /^code\/([0-9a-f]{64})\/([A-Za-z0-9._-]+)\.cjs$/.exec(key);
  return m ? { sha256: m[1]!, fileName: m[2]! } : undefined;
}
