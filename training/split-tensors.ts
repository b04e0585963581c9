import * as tf from "@tensorflow/tfjs";
import type { PreparedData } from "./data/load";

/** One split on the device: features, targets (one-hot for classification) and class labels. */
export type Split = { x: tf.Tensor2D; y: tf.Tensor2D; labels?: tf.Tensor1D; n: number };

export function splitTensors(x: Float64Array, y: Float64Array, n: number, d: PreparedData): Split {
  const xs = tf.tensor2d(Float32Array.from(x), [n, d.nFeatures]);
  if (d.task === "regression") return { x: xs, y: tf.tensor2d(Float32Array.from(y), [n, 1]), n };
  const labels = tf.tensor1d(Int32Array.from(y), "int32");
  const y1 = tf.tidy(() => tf.oneHot(labels, d.numClasses!).toFloat() as tf.Tensor2D);
  return { x: xs, y: y1, labels, n };
}

export function disposeSplit(s: Split): void {
  tf.dispose([s.x, s.y, ...(s.labels ? [s.labels] : [])]);
}
