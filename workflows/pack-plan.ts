/**
 * Which trials train together as one packed activity, and how many: pure, so the workflow and
 * unit tests share it. The training engine decides nothing here; it trains what it is given
 * (MLPs of one shape in lock step, linear trials one after another in one activity).
 */
import type { SweepSpec } from "../spec";
import type { TrialSpec } from "../spec/types";

/** What the worker registry says about one live training process of the pool. */
export interface PoolWorker {
  backend: string;
  devices: string[];
}

/** `auto` on a native TensorFlow backend: per-op overhead shared by up to this many trials. */
export const AUTO_PACK_NATIVE = 128;
/** `auto` for the linear model: no device, but one activity per trial is mostly bookkeeping. */
export const AUTO_PACK_LINEAR = 128;
/** Bytes of weights, slots and gradients one pack may hold (the rest is the batch's). */
const PACK_BYTES = 512 * 2 ** 20;

/**
 * The group a trial packs with: same dataset, model, batch size and epochs, so a group is one
 * lock-step computation; optimizers may differ (each rule updates its own trials' slice of the
 * packed weights). Undefined: it trains solo (dropout and L2 have no packed kernels; models
 * other than the built-in ones are not packed).
 */
export function packGroupOf(trial: TrialSpec): string | undefined {
  const c = trial.config;
  if (c.model.type === "mlp" && (c.model.dropout || c.model.l2)) return undefined;
  if (c.model.type !== "mlp" && c.model.type !== "linear") return undefined;
  return JSON.stringify([c.dataset, c.model, c.batchSize, c.epochs]);
}

/**
 * The group of sweeps started before mixed-optimizer packs (no `mixed-optimizer-packs` patch
 * marker): also one optimizer rule with the same slots (SGD and RMSprop keep a momentum slot
 * only for a momentum above 0), as they were scheduled.
 */
export function packGroupByOptimizerOf(trial: TrialSpec): string | undefined {
  if (packGroupOf(trial) === undefined) return undefined;
  const c = trial.config;
  const o = c.optimizer;
  const slots = [o.name, (o.momentum ?? 0) > 0, o.name === "sgd" && o.nesterov === true];
  return JSON.stringify([c.dataset, c.model, c.batchSize, c.epochs, slots]);
}

/** Floats of weights of the spec's MLP (features in, a guess of 8 classes out at most). */
function mlpParameters(spec: SweepSpec): number {
  if (spec.model.type !== "mlp") return 0;
  const sizes = [spec.dataset.features.length, ...spec.model.hidden, spec.dataset.numClasses ?? 8];
  return sizes.slice(1).reduce((n, out, i) => n + (sizes[i]! + 1) * out, 0);
}

/**
 * `execution.pack: auto` as a number. Linear trials always pack (plain TypeScript: packing
 * saves the per-activity bookkeeping). MLP trials pack only where a live worker of the pool
 * trains on a native TensorFlow backend, whose per-op overhead packing shares; on WASM, which
 * is compute-bound, a pack would gain ~1.3x and serialise trials the pool's slots would
 * otherwise train side by side, so they train solo. The size is bounded so that a pack's
 * weights, two optimizer slots and gradients stay within PACK_BYTES.
 */
export function autoPackSize(spec: SweepSpec, workers: readonly PoolWorker[]): number {
  if (spec.model.type === "linear") return AUTO_PACK_LINEAR;
  if (!workers.some((w) => w.backend.startsWith("tensorflow"))) return 1;
  const perTrial = 4 * 4 * mlpParameters(spec);
  return Math.max(1, Math.min(AUTO_PACK_NATIVE, Math.floor(PACK_BYTES / Math.max(1, perTrial))));
}

/** A pack's id: its first trial's and how many follow it (trials of a pack are consecutive). */
export function packIdOf(trials: readonly TrialSpec[]): string {
  return `pack-${trials[0]?.trialId.replace(/^t-/, "") ?? "empty"}-${trials.length}`;
}
