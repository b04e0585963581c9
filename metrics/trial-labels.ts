import type { TrialSpec } from "../spec/types";
import type { TrialLabels } from "./worker-metrics";

/** Optimizers without momentum get this label value, so `momentum` is never empty (= absent). */
export const NO_MOMENTUM = "none";

/**
 * The label values of a trial, from its resolved config. Numbers print with JavaScript's
 * shortest round-trip form (`0.01`, `1e-7`), the same on every worker.
 */
export function trialLabelsOf(sweep: string, trial: TrialSpec): TrialLabels {
  const { optimizer, seed } = trial.config;
  return {
    sweep,
    trial: trial.trialId,
    optimizer: optimizer.name,
    lr: String(optimizer.learningRate),
    momentum: optimizer.momentum === undefined ? NO_MOMENTUM : String(optimizer.momentum),
    seed: String(seed),
    task: trial.config.dataset.task,
  };
}
