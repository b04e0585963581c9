import type { PreparedData } from "./data/load";
import { type EpochMetrics, type NamedArray, type TrialModel, takeArray } from "./model";
import type { Rng } from "./rng";

/** scikit-learn clips the loss derivative to this magnitude (`MAX_DLOSS` in `_sgd_fast`). */
const MAX_DLOSS = 1e12;

/**
 * scikit-learn `SGDRegressor(learning_rate="constant", penalty="l2")` in plain float64
 * TypeScript: squared loss, per-sample updates in a freshly shuffled order each epoch, L2 as
 * weight decay `w *= max(0, 1 - eta·alpha)` before each step, unpenalised intercept, zero init.
 * sklearn's lazy `wscale` is applied eagerly here (same maths, rounding may differ).
 */
export class LinearSgd implements TrialModel {
  readonly kind = "linear";
  readonly backend = "js";
  private readonly w: Float64Array;
  private readonly b = new Float64Array(1);
  private steps = 0;

  constructor(
    private readonly data: PreparedData,
    private readonly alpha: number,
    private readonly eta: number,
  ) {
    this.w = new Float64Array(data.nFeatures);
  }

  private predict(x: Float64Array, row: number): number {
    const d = this.w.length;
    let p = this.b[0]!;
    for (let j = 0; j < d; j++) p += this.w[j]! * x[row * d + j]!;
    return p;
  }

  runEpoch(rng: Rng): void {
    const { xTrain: x, yTrain: y, nTrain } = this.data;
    const { w, b, eta } = this;
    const d = w.length;
    const decay = Math.max(0, 1 - eta * this.alpha);
    for (const i of rng.permutation(nTrain)) {
      const dloss = Math.min(MAX_DLOSS, Math.max(-MAX_DLOSS, this.predict(x, i) - y[i]!));
      const update = -eta * dloss;
      for (let j = 0; j < d; j++) w[j]! *= decay;
      if (update !== 0) {
        for (let j = 0; j < d; j++) w[j]! += update * x[i * d + j]!;
        b[0]! += update;
      }
      this.steps++;
    }
  }

  private mse(x: Float64Array, y: Float64Array, n: number): number {
    let s = 0;
    for (let i = 0; i < n; i++) s += (this.predict(x, i) - y[i]!) ** 2;
    return s / n;
  }

  /** Loss and metric are both the mean squared error (what the tutorial records). */
  evaluate(): EpochMetrics {
    const { xTrain, yTrain, nTrain, xVal, yVal, nVal } = this.data;
    const train = this.mse(xTrain, yTrain, nTrain);
    const val = this.mse(xVal, yVal, nVal);
    const finite = [...this.w, this.b[0]!, train, val].every(Number.isFinite);
    return { trainLoss: train, valLoss: val, trainMetric: train, valMetric: val, finite };
  }

  exportState(): { arrays: NamedArray[]; iterations: number } {
    const arrays: NamedArray[] = [
      { name: "coef", dtype: "float64", shape: [this.w.length], data: this.w.slice() },
      { name: "intercept", dtype: "float64", shape: [1], data: this.b.slice() },
    ];
    return { arrays, iterations: this.steps };
  }

  importState(arrays: NamedArray[], iterations: number): void {
    this.w.set(takeArray(arrays, "coef", [this.w.length]).data);
    this.b.set(takeArray(arrays, "intercept", [1]).data);
    this.steps = iterations;
  }

  dispose(): void {}
}
