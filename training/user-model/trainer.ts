import * as tf from "@tensorflow/tfjs";
import { HypersweepError, ModelModuleError } from "../../errors";
import type { TrialConfig } from "../../spec/types";
import { currentBackend } from "../backend";
import type { PreparedData } from "../data/load";
import {
  type EpochMetrics,
  exportVariables,
  importVariables,
  type NamedArray,
  type TrialModel,
} from "../model";
import { KerasOptimizer } from "../optimizers";
import type { Rng } from "../rng";
import { disposeSplit, type Split, splitTensors } from "../split-tensors";
import { buildUserModel, withSeededRandom } from "./build";
import { type ModelCode, messageOf } from "./code";

/** Keras's clip for cross-entropy on probabilities (`backend.epsilon()`). */
const EPSILON = 1e-7;

/** Keras `categorical_crossentropy` on logits, or on probabilities for a softmax output layer. */
function crossEntropy(y: tf.Tensor, out: tf.Tensor, softmaxOutput: boolean): tf.Scalar {
  const logP = softmaxOutput
    ? tf.log(tf.clipByValue(out, EPSILON, 1 - EPSILON))
    : tf.logSoftmax(out);
  return tf.neg(tf.mean(tf.sum(tf.mul(y, logP), 1))) as tf.Scalar;
}

/**
 * A trial of the user's own TensorFlow.js model, trained by our loop like the built-in MLP: the
 * trial's Keras-formula optimizer over the model's trainable weights, mini-batches of
 * `batchSize` in a seeded order, categorical cross-entropy (classification) or MSE (regression)
 * plus the layers' own regularisation losses. Layers that draw random numbers (dropout) draw from
 * the trial's RNG, so a trial is reproducible and resumable. Checkpoints hold every weight
 * (trainable or not, e.g. batch-norm statistics) and the optimizer slots.
 */
export class ModuleTrainer implements TrialModel {
  readonly kind = "module";
  readonly backend = currentBackend();
  private readonly opt: KerasOptimizer;
  private readonly train: Split;
  private readonly val: Split;
  private readonly softmaxOutput: boolean;
  private readonly batchSize: number;

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly code: ModelCode,
    trial: TrialConfig,
    private readonly data: PreparedData,
  ) {
    this.opt = new KerasOptimizer(trial.optimizer, this.trainable());
    this.batchSize = trial.batchSize;
    this.train = splitTensors(data.xTrain, data.yTrain, data.nTrain, data);
    this.val = splitTensors(data.xVal, data.yVal, data.nVal, data);
    const last = model.layers.at(-1)?.getConfig() as { activation?: unknown } | undefined;
    this.softmaxOutput = last?.activation === "softmax";
  }

  static async create(code: ModelCode, trial: TrialConfig, data: PreparedData, rng: Rng) {
    const model = await buildUserModel(code, trial, data, rng);
    return new ModuleTrainer(model, code, trial, data);
  }

  private trainable(): tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  private forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return this.model.apply(x, { training }) as tf.Tensor;
  }

  private loss(out: tf.Tensor, y: tf.Tensor): tf.Scalar {
    const data =
      this.data.task === "regression"
        ? (tf.losses.meanSquaredError(y, out) as tf.Scalar)
        : crossEntropy(y, out, this.softmaxOutput);
    const extra = this.model.calculateLosses();
    return extra.length ? tf.add(data, tf.addN(extra)) : data;
  }

  /** Errors of the user's layers are the module's: the same code fails the same way on a retry. */
  private guarded<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof HypersweepError) throw error;
      // The wasm backend lacks some gradients (convolutions); other backends have them.
      const hint = /not registered for backend 'wasm'/.test(messageOf(error))
        ? " (the wasm backend lacks it; run the pool's workers with --backend tensorflow or cpu)"
        : "";
      throw new ModelModuleError(
        `model module ${this.code.name}: ${what} failed: ${messageOf(error)}${hint}`,
        {
          cause: error,
        },
      );
    }
  }

  runEpoch(rng: Rng): void {
    this.guarded("a training step", () => this.epoch(rng));
  }

  private epoch(rng: Rng): void {
    const order = rng.permutation(this.train.n);
    const bs = this.batchSize;
    const vars = this.trainable();
    for (let start = 0; start < order.length; start += bs) {
      tf.tidy(() => {
        const idx = tf.tensor1d(order.subarray(start, start + bs), "int32");
        const xb = tf.gather(this.train.x, idx);
        const yb = tf.gather(this.train.y, idx);
        const { grads } = withSeededRandom(rng, () =>
          tf.variableGrads(() => this.loss(this.forward(xb, true), yb), vars),
        );
        this.opt.apply(vars.map((v) => grads[v.name]!));
      });
    }
  }

  /** Loss and metric over a whole split, from one forward pass. */
  private lossAndMetric(s: Split): tf.Scalar[] {
    const out = this.forward(s.x, false);
    const loss = this.loss(out, s.y);
    if (this.code.metric) return [loss, this.customMetric(s.y, out)];
    if (!s.labels) return [loss, tf.losses.meanSquaredError(s.y, out) as tf.Scalar];
    return [loss, tf.mean(tf.equal(tf.argMax(out, 1), s.labels).toFloat())];
  }

  private customMetric(y: tf.Tensor, out: tf.Tensor): tf.Scalar {
    let value: unknown;
    try {
      value = this.code.metric!(y, out);
    } catch (error) {
      throw new ModelModuleError(
        `model module ${this.code.name}: metric threw: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    if (!(value instanceof tf.Tensor) || value.size !== 1)
      throw new ModelModuleError(
        `model module ${this.code.name}: metric must return a scalar tensor (one value)`,
      );
    return value.reshape([]) as tf.Scalar;
  }

  /** One device read per epoch: four metrics and a weight check (`sum(w·0)` is NaN iff w is not finite). */
  evaluate(): EpochMetrics {
    const v = this.guarded("evaluation", () => this.evaluateOnDevice());
    const [trainLoss = 0, trainMetric = 0, valLoss = 0, valMetric = 0, check = 0] = v.dataSync();
    v.dispose();
    const finite = [trainLoss, valLoss, check].every(Number.isFinite);
    return { trainLoss, valLoss, trainMetric, valMetric, finite };
  }

  private evaluateOnDevice(): tf.Tensor {
    return tf.tidy(() => {
      const weights = this.model.weights.map((w) => w.read());
      const check = tf.addN(weights.map((p) => tf.sum(tf.mul(p, 0))));
      const parts = [this.train, this.val].flatMap((s) => this.lossAndMetric(s));
      return tf.stack([...parts, check]);
    });
  }

  private named(): Array<[string, tf.Variable]> {
    return [
      ...this.model.weights.map(
        (w, i) => [`weight/${i}`, w.read() as tf.Variable] as [string, tf.Variable],
      ),
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
    this.model.dispose();
    this.opt.dispose();
    for (const s of [this.train, this.val]) disposeSplit(s);
  }
}
