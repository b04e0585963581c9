import { canonicalJson, sha256Hex } from "../spec/canonical";
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
    ...modelLabelsOf(trial),
  };
}

/**
 * Model and training labels from a fixed allow-list. Each is a function of the trial, so it adds
 * no series (one per trial already); free params go in as a short hash, never as label names.
 */
function modelLabelsOf(trial: TrialSpec) {
  const { model, epochs, batchSize, params } = trial.config;
  const mlp = model.type === "mlp" ? model : undefined;
  return {
    hidden: mlp ? mlp.hidden.join("-") : NO_MOMENTUM,
    activation: mlp ? mlp.activation : NO_MOMENTUM,
    dropout: String(mlp?.dropout ?? 0),
    l2: String(mlp?.l2 ?? 0),
    epochs: String(epochs),
    batch_size: String(batchSize),
    params_hash: params ? sha256Hex(canonicalJson(params)).slice(0, 8) : NO_MOMENTUM,
  };
}
