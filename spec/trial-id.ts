import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { canonicalJson, sha256Hex } from "./canonical";
import { idPartOf } from "./command";
import type { OptimizerConfig, TrialConfig } from "./types";

/** Bumped only if the hashed text ever has to change (that would re-run every finished trial). */
const TRIAL_ID_SALT = "hypersweep/trial/v1\n";

/**
 * An id function for trials that share everything but optimizer and seed. The hash covers the
 * canonical JSON of the whole TrialConfig; its shared prefix (keys sort as batchSize, dataset,
 * epochs, model, optimizer, seed) is hashed once and the hasher state cloned per trial, which
 * makes expanding 10,000+ trials several times faster.
 */
export function trialIdHasher(
  shared: Omit<TrialConfig, "optimizer" | "seed" | "params">,
): (optimizer: OptimizerConfig, seed: number, params?: TrialConfig["params"]) => string {
  const { batchSize, dataset, epochs, model } = shared;
  const prefix =
    `${TRIAL_ID_SALT}{"batchSize":${canonicalJson(batchSize)},"dataset":${canonicalJson(dataset)},` +
    `"epochs":${canonicalJson(epochs)},"model":${canonicalJson(idPartOf(model))},"optimizer":`;
  const base = sha256.create().update(utf8ToBytes(prefix));
  return (optimizer, seed, params) => {
    // Sorted between optimizer and seed, as canonicalJson would place it; absent when none.
    const free = params === undefined ? "" : `,"params":${canonicalJson(params)}`;
    const rest = `${canonicalJson(optimizer)}${free},"seed":${canonicalJson(seed)}}`;
    return `t-${bytesToHex(base.clone().update(utf8ToBytes(rest)).digest()).slice(0, 16)}`;
  };
}

/**
 * A trial's stable id: `t-` + 16 hex of SHA-256 over its canonical config. Settings that do not
 * change results (checkpointEvery, execution) are not part of a TrialConfig, so not of the id.
 *
 * @example trialIdOf(trial.config) === trial.trialId // true
 */
export function trialIdOf(config: TrialConfig): string {
  return trialIdHasher(config)(config.optimizer, config.seed, config.params);
}

/**
 * The trial's lineage: `l-` + 16 hex of SHA-256 over its config without `epochs`. Trials that
 * differ only in how long they train share one, and training is the same epoch by epoch, so a
 * trial needing more epochs than a finished or stopped one of its lineage resumes from that
 * one's checkpoint instead of starting over. The trial id itself still covers epochs.
 *
 * @example lineageIdOf({ ...config, epochs: 50 }) === lineageIdOf({ ...config, epochs: 200 }) // true
 */
export function lineageIdOf(config: TrialConfig): string {
  const { epochs: _epochs, ...rest } = config;
  return `l-${sha256Hex(`hypersweep/lineage/v1\n${canonicalJson(rest)}`).slice(0, 16)}`;
}
