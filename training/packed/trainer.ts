import * as tf from "@tensorflow/tfjs";
import type { Activation, TrialConfig } from "../../spec/types";
import type { PreparedData } from "../data/load";
import { glorotUniform } from "../mlp";
import type { EpochMetrics, NamedArray } from "../model";
import type { Rng } from "../rng";
import { type OptimizerRun, optimizerShape, PackedOptimizer, regathered } from "./optimizers";

const ACT: Record<Activation, (x: tf.Tensor) => tf.Tensor> = {
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  elu: (x) => tf.elu(x),
  linear: (x) => x,
};

type Split = { x: tf.Tensor3D; y: tf.Tensor2D; labels?: tf.Tensor1D; n: number };

function split(x: Float64Array, y: Float64Array, n: number, d: PreparedData): Split {
  const xs = tf.tensor3d(Float32Array.from(x), [1, n, d.nFeatures]);
  if (d.task === "regression") return { x: xs, y: tf.tensor2d(Float32Array.from(y), [n, 1]), n };
  const labels = tf.tensor1d(Int32Array.from(y), "int32");
  const y1 = tf.tidy(() => tf.oneHot(labels, d.numClasses!).toFloat() as tf.Tensor2D);
  return { x: xs, y: y1, labels, n };
}

/** One trial's weights and optimizer state in solo-checkpoint names (`param/i`, `<slot>/i`). */
export interface TrialState {
  arrays: NamedArray[];
  iterations: number;
}

/** Fresh Keras-style weights for one trial, drawn from its own RNG exactly as `DenseStack` draws them. */
export function initialArrays(shapes: number[][], rng: Rng): NamedArray[] {
  return shapes.map((shape, i) => ({
    name: `param/${i}`,
    dtype: "float32",
    shape,
    data:
      shape.length === 2 ? glorotUniform(shape[0]!, shape[1]!, rng) : new Float32Array(shape[0]!),
  }));
}

/** Stacks each trial's array `name` (solo shape) into one [K, …] variable; missing ones start at `fill`. */
function stacked(states: TrialState[], name: string, shape: number[], fill: number): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(states.length * size).fill(fill);
  states.forEach((s, k) => {
    const a = s.arrays.find((x) => x.name === name);
    if (a) out.set(a.data, k * size);
  });
  const packedShape =
    shape.length === 1 ? [states.length, 1, shape[0]!] : [states.length, ...shape];
  return tf.tidy(() => tf.variable(tf.tensor(out, packedShape, "float32")));
}

/**
 * K MLP trials of one shape as one batched computation: each layer's kernels are a [K,in,out]
 * variable and biases [K,1,out], so a layer is one batched matmul for all trials. Trials never
 * mix: the loss minimised is the sum of the per-trial losses, whose gradient for trial k's
 * weights is exactly trial k's own gradient. Optimizers may differ: each run of consecutive
 * trials with one rule updates its own slice (`PackedOptimizer`).
 */
export class PackedMlp {
  readonly shapes: number[][];
  private params: tf.Variable[];
  private readonly opt: PackedOptimizer;
  private readonly train: Split;
  private readonly val: Split;
  private readonly activation: Activation;

  constructor(
    private trials: TrialConfig[],
    private readonly data: PreparedData,
    states: TrialState[],
  ) {
    const m = trials[0]!.model;
    if (m.type !== "mlp") throw new Error("PackedMlp needs mlp trials");
    this.activation = m.activation;
    const sizes = [
      data.nFeatures,
      ...m.hidden,
      data.task === "classification" ? data.numClasses! : 1,
    ];
    this.shapes = sizes.slice(1).flatMap((out, i) => [[sizes[i]!, out], [out]]);
    this.params = this.shapes.map((s, i) => stacked(states, `param/${i}`, s, 0));
    this.opt = new PackedOptimizer(this.optimizerRuns(states), this.params);
    this.train = split(data.xTrain, data.yTrain, data.nTrain, data);
    this.val = split(data.xVal, data.yVal, data.nVal, data);
  }

  /**
   * Consecutive trials with one optimizer rule and slot layout, each run with its slots
   * stacked: restored from the trials' states, else at each trial's initial value (adagrad's
   * initialAccumulatorValue).
   */
  private optimizerRuns(states: TrialState[]): OptimizerRun[] {
    const runs: Array<{ shape: string; ks: number[] }> = [];
    this.trials.forEach((t, k) => {
      const shape = optimizerShape(t.optimizer);
      const last = runs.at(-1);
      if (last?.shape === shape) last.ks.push(k);
      else runs.push({ shape, ks: [k] });
    });
    return runs.map(({ ks }) => {
      const configs = ks.map((k) => this.trials[k]!.optimizer);
      const spec = PackedOptimizer.slotSpec(configs[0]!);
      const slots = this.shapes.map((s, i) =>
        Object.fromEntries(
          spec.map(([name]) => {
            const init = configs.map(
              (c) => PackedOptimizer.slotSpec(c).find(([n]) => n === name)![1],
            );
            const own = ks.map((k) => states[k]!);
            return [name, this.slotVar(own, `${name}/${i}`, s, init)];
          }),
        ),
      );
      return { configs, iterations: ks.map((k) => states[k]!.iterations), slots };
    });
  }

  private slotVar(
    states: TrialState[],
    name: string,
    shape: number[],
    init: number[],
  ): tf.Variable {
    const filled = states.map((s, k): TrialState => {
      if (s.arrays.some((a) => a.name === name)) return s;
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size).fill(init[k]!);
      return { ...s, arrays: [{ name, dtype: "float32", shape, data }] };
    });
    return stacked(filled, name, shape, 0);
  }

  get size(): number {
    return this.trials.length;
  }

  private logits(x: tf.Tensor3D): tf.Tensor3D {
    let h: tf.Tensor = x;
    const layers = this.params.length / 2;
    for (let l = 0; l < layers; l++) {
      const z = tf.add(
        tf.matMul(h as tf.Tensor3D, this.params[2 * l] as tf.Tensor3D),
        this.params[2 * l + 1]!,
      );
      h = l < layers - 1 ? ACT[this.activation](z) : z;
    }
    return h as tf.Tensor3D;
  }

  /** Per-trial loss [K] for logits [K,b,C] against targets [K,b,C] (or [b,C], broadcast). */
  private loss(logits: tf.Tensor3D, y: tf.Tensor): tf.Tensor1D {
    if (this.data.task === "regression") {
      const n = logits.shape[1] * logits.shape[2];
      return tf.div(tf.sum(tf.squaredDifference(y, logits), [1, 2]), n) as tf.Tensor1D;
    }
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 2), 1)) as tf.Tensor1D;
  }

  /** One epoch for every trial, each in its own shuffled order (`rngs[k]` is trial k's RNG). */
  runEpoch(rngs: Rng[], batchSize: number): void {
    const n = this.train.n;
    const orders = rngs.map((r) => r.permutation(n));
    const K = this.trials.length;
    const [xs, ys] = [tf.squeeze(this.train.x, [0]), this.train.y];
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const idx = new Int32Array(K * b);
      for (const [k, o] of orders.entries()) idx.set(o.subarray(start, start + b), k * b);
      tf.tidy(() => {
        const i = tf.tensor1d(idx, "int32");
        const xb = tf.reshape(tf.gather(xs, i), [K, b, xs.shape[1]!]) as tf.Tensor3D;
        const yb = tf.reshape(tf.gather(ys, i), [K, b, ys.shape[1]]);
        const { grads } = tf.variableGrads(
          () => tf.sum(this.loss(this.logits(xb), yb)),
          this.params,
        );
        this.opt.apply(this.params.map((p) => grads[p.name]!));
      });
    }
    tf.dispose(xs);
  }

  private lossAndMetric(s: Split): tf.Tensor1D[] {
    const logits = this.logits(s.x);
    const loss = this.loss(logits, s.y);
    if (!s.labels) return [loss, loss];
    return [loss, tf.mean(tf.equal(tf.argMax(logits, 2), s.labels).toFloat(), 1) as tf.Tensor1D];
  }

  /** Per-trial full-set metrics after an epoch, from one device read for the whole pack. */
  evaluate(): EpochMetrics[] {
    const v = tf.tidy(() => {
      const check = tf.addN(this.params.map((p) => tf.sum(tf.mul(p, 0), [1, 2])));
      return tf.stack([...[this.train, this.val].flatMap((s) => this.lossAndMetric(s)), check]);
    });
    const a = v.dataSync();
    v.dispose();
    const K = this.trials.length;
    return this.trials.map((_, k) => {
      const [trainLoss = 0, trainMetric = 0, valLoss = 0, valMetric = 0, check = 0] = [
        0, 1, 2, 3, 4,
      ].map((r) => a[r * K + k]!);
      const finite = [trainLoss, valLoss, check].every(Number.isFinite);
      return { trainLoss, valLoss, trainMetric, valMetric, finite };
    });
  }

  /** Trial k's state under the solo trainer's names and shapes: its checkpoint is a solo one. */
  exportState(k: number): TrialState {
    const { row, slots } = this.opt.slotsOf(k);
    const named: Array<[string, tf.Variable, number, number[]]> = [
      ...this.params.map(
        (p, i) => [`param/${i}`, p, k, this.shapes[i]!] as [string, tf.Variable, number, number[]],
      ),
      ...slots.flatMap((s, i) =>
        Object.entries(s).map(
          ([n, v]) =>
            [`${n}/${i}`, v, row, this.shapes[i]!] as [string, tf.Variable, number, number[]],
        ),
      ),
    ];
    const arrays = named.map(([name, v, r, shape]): NamedArray => {
      const size = shape.reduce((x, y) => x * y, 1);
      const data = Float32Array.from(
        (v.dataSync() as Float32Array).subarray(r * size, (r + 1) * size),
      );
      return { name, dtype: "float32", shape: [...shape], data };
    });
    return { arrays, iterations: this.opt.iterations[k]! };
  }

  /** Drops every trial not in `keep` (ascending indices into the pack): they leave the computation. */
  keep(keep: number[]): void {
    const index = tf.tensor1d(Int32Array.from(keep), "int32");
    this.params = this.params.map((p) => regathered(p, index));
    this.opt.keep(keep);
    this.opt.vars = this.params;
    index.dispose();
    this.trials = keep.map((k) => this.trials[k]!);
  }

  dispose(): void {
    tf.dispose(this.params);
    this.opt.dispose();
    for (const s of [this.train, this.val]) tf.dispose([s.x, s.y, ...(s.labels ? [s.labels] : [])]);
  }
}
