import * as tf from "@tensorflow/tfjs";
import type { Rng } from "./rng";

/** A named weight or optimizer-slot buffer, as checkpoints store it. */
export interface NamedArray {
  name: string;
  dtype: "float32" | "float64";
  shape: number[];
  data: Float32Array | Float64Array;
}

/** Full-set evaluation after an epoch; `finite` is false when any loss or weight is not finite. */
export interface EpochMetrics {
  trainLoss: number;
  valLoss: number;
  trainMetric: number;
  valMetric: number;
  finite: boolean;
}

/** What the training loop needs from a model: epochs, evaluation and restorable state. */
export interface TrialModel {
  readonly kind: "linear" | "mlp" | "module";
  /** Backend that runs it ("js" for the plain TypeScript linear model). */
  readonly backend: string;
  runEpoch(rng: Rng): void;
  evaluate(): EpochMetrics;
  /** Weights and optimizer slots, plus the optimizer's step count. */
  exportState(): { arrays: NamedArray[]; iterations: number };
  importState(arrays: NamedArray[], iterations: number): void;
  dispose(): void;
}

/** Finds a named array and checks its shape, for `importState`. */
export function takeArray(arrays: NamedArray[], name: string, shape: number[]): NamedArray {
  const a = arrays.find((x) => x.name === name);
  if (!a) throw new Error(`checkpoint lacks array "${name}"`);
  if (a.shape.join("x") !== shape.join("x")) {
    throw new Error(`checkpoint array "${name}" has shape [${a.shape}], expected [${shape}]`);
  }
  return a;
}

/** Named variables as checkpoint arrays (float32 copies). */
export function exportVariables(named: Array<[string, tf.Variable]>): NamedArray[] {
  return named.map(([name, v]): NamedArray => {
    const data = v.dataSync() as Float32Array;
    return { name, dtype: "float32", shape: [...v.shape], data: Float32Array.from(data) };
  });
}

/** Assigns each named variable its checkpoint array (shapes checked). */
export function importVariables(named: Array<[string, tf.Variable]>, arrays: NamedArray[]): void {
  tf.tidy(() => {
    for (const [name, v] of named) {
      const a = takeArray(arrays, name, [...v.shape]);
      v.assign(tf.tensor(Float32Array.from(a.data), v.shape, "float32"));
    }
  });
}
