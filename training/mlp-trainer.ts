import * as tf from "@tensorflow/tfjs";
import type { TrialConfig } from "../spec/types";
import { currentBackend } from "./backend";
import type { PreparedData } from "./data/load";
import { TrainingConfigError } from "./errors";
import { DenseStack } from "./mlp";
import {
  type EpochMetrics,
  exportVariables,
  importVariables,
  type NamedArray,
  type TrialModel,
} from "./model";
import { KerasOptimizer } from "./optimizers";
import type { Rng } from "./rng";
import { disposeSplit, type Split, splitTensors } from "./split-tensors";

/**
 * Keras Dropout while training: each hidden unit is kept with probability 1 - rate and scaled by
 * 1 / (1 - rate). Masks come from the epoch's seeded RNG, so a trial stays reproducible and
 * resumable; without dropout nothing is drawn, so curves are those of before.
 */
function dropoutMasks(
  model: { hidden: number[]; dropout?: number },
  rows: number,
  rng: Rng,
): ((h: tf.Tensor2D, layer: number) => tf.Tensor2D) | undefined {
  const rate = model.dropout ?? 0;
  if (rate <= 0) return undefined;
  const masks = model.hidden.map((width) => {
    const m = new Float32Array(rows * width);
    for (let i = 0; i < m.length; i++) m[i] = rng.nextFloat() >= rate ? 1 / (1 - rate) : 0;
    return tf.tensor2d(m, [rows, width]);
  });
  return (h, layer) => tf.mul(h, masks[layer]!);
}

/** Keras L2 kernel regularizer: loss + l2 * sum(w^2) over every dense kernel (not the biases). */
function withL2(loss: tf.Scalar, net: DenseStack, l2: number | undefined): tf.Scalar {
  if (!l2) return loss;
  const kernels = net.params.filter((_, i) => i % 2 === 0);
  return tf.add(loss, tf.mul(l2, tf.addN(kernels.map((k) => tf.sum(tf.square(k)))))) as tf.Scalar;
}

/**
 * The Keras-semantics MLP trial: softmax + categorical cross-entropy (classification) or a
 * linear output + MSE (regression), mini-batches of `batchSize` in a freshly shuffled order each
 * epoch, and a Keras-formula optimizer. Cross-entropy is computed from logits, as Keras does for
 * a softmax output layer, so it never takes log(0).
 */
export class MlpTrainer implements TrialModel {
  readonly kind = "mlp";
  readonly backend = currentBackend();
  private readonly net: DenseStack;
  private readonly opt: KerasOptimizer;
  private readonly train: Split;
  private readonly val: Split;

  constructor(
    private readonly trial: TrialConfig,
    private readonly data: PreparedData,
    rng: Rng,
  ) {
    if (trial.model.type !== "mlp") throw new TrainingConfigError("MlpTrainer needs an mlp model");
    const out = data.task === "classification" ? data.numClasses! : 1;
    this.net = new DenseStack(
      [data.nFeatures, ...trial.model.hidden, out],
      trial.model.activation,
      rng,
    );
    this.opt = new KerasOptimizer(trial.optimizer, this.net.params);
    this.train = splitTensors(data.xTrain, data.yTrain, data.nTrain, data);
    this.val = splitTensors(data.xVal, data.yVal, data.nVal, data);
  }

  private loss(logits: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    return withL2(this.dataLoss(logits, y), this.net, this.mlp().l2);
  }

  private dataLoss(logits: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    if (this.data.task === "regression") return tf.losses.meanSquaredError(y, logits) as tf.Scalar;
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  }

  private mlp(): Extract<TrialConfig["model"], { type: "mlp" }> {
    return this.trial.model as Extract<TrialConfig["model"], { type: "mlp" }>;
  }

  runEpoch(rng: Rng): void {
    const order = rng.permutation(this.train.n);
    const bs = this.trial.batchSize;
    for (let start = 0; start < order.length; start += bs) {
      tf.tidy(() => {
        const idx = tf.tensor1d(order.subarray(start, start + bs), "int32");
        const xb = tf.gather(this.train.x, idx);
        const yb = tf.gather(this.train.y, idx);
        const drop = dropoutMasks(this.mlp(), xb.shape[0], rng);
        const { grads } = tf.variableGrads(
          () => this.loss(this.net.logits(xb, drop), yb),
          this.net.params,
        );
        this.opt.apply(this.net.params.map((p) => grads[p.name]!));
      });
    }
  }

  /** Loss and metric over a whole split, from one forward pass. */
  private lossAndMetric(s: Split): tf.Scalar[] {
    const logits = this.net.logits(s.x);
    const loss = this.loss(logits, s.y);
    if (!s.labels) return [loss, loss];
    return [loss, tf.mean(tf.equal(tf.argMax(logits, 1), s.labels).toFloat())];
  }

  /** One device read per epoch: four metrics and a weight check (`sum(w·0)` is NaN iff w is not finite). */
  evaluate(): EpochMetrics {
    const v = tf.tidy(() => {
      const check = tf.addN(this.net.params.map((p) => tf.sum(tf.mul(p, 0))));
      const parts = [this.train, this.val].flatMap((s) => this.lossAndMetric(s));
      return tf.stack([...parts, check]);
    });
    const [trainLoss = 0, trainMetric = 0, valLoss = 0, valMetric = 0, check = 0] = v.dataSync();
    v.dispose();
    const finite = [trainLoss, valLoss, check].every(Number.isFinite);
    return { trainLoss, valLoss, trainMetric, valMetric, finite };
  }

  private named(): Array<[string, tf.Variable]> {
    return [
      ...this.net.params.map((p, i) => [`param/${i}`, p] as [string, tf.Variable]),
      ...this.opt.namedSlots(),
    ];
  }

  exportState(): { arrays: NamedArray[]; iterations: number } {
    return { arrays: exportVariables(this.named()), iterations: this.opt.iterations };
  }

  importState(arrays: NamedArray[], iterations: number): void {
    importVariables(this.named(), arrays);
    this.opt.iterations = iterations;
  }

  dispose(): void {
    this.net.dispose();
    this.opt.dispose();
    for (const s of [this.train, this.val]) disposeSplit(s);
  }
}
