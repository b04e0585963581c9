/**
 * The baseline the engine's MLP loop is measured against, in the same process and backend:
 * tfjs-layers `model.fit` on the same network, data and settings (Keras-style SGD lr 1e-3,
 * batch 32, shuffled each epoch). It records no per-epoch evaluation, so it does less work
 * than our loop, which evaluates the full train and validation sets after every epoch.
 */
import * as tf from "@tensorflow/tfjs";
import type { PreparedData } from "../../training";

export async function fitOnce(data: PreparedData, epochs: number): Promise<void> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 128, activation: "relu", inputShape: [data.nFeatures] }),
      tf.layers.dense({ units: 64, activation: "relu" }),
      tf.layers.dense({ units: data.numClasses ?? 1, activation: "softmax" }),
    ],
  });
  const optimizer = tf.train.sgd(1e-3);
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  const xs = tf.tensor2d(Float32Array.from(data.xTrain), [data.nTrain, data.nFeatures]);
  const labels = tf.tensor1d(Int32Array.from(data.yTrain), "int32");
  const ys = tf.oneHot(labels, data.numClasses ?? 1);
  await model.fit(xs, ys, { epochs, batchSize: 32, shuffle: true, verbose: 0 });
  tf.dispose([xs, labels, ys]);
  model.dispose();
  optimizer.dispose();
}
