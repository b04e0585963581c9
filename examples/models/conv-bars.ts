/**
 * A small convolutional net as a hypersweep model module: hypersweep calls `buildModel` once per
 * trial with the trial's parameters and the data's shapes, then compiles and trains the model
 * with the trial's optimizer, seed and batch size. `params.filters` comes from the spec's
 * `grid.params`, so it is swept like any other setting.
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelContext } from "../../training";
import { squareSide } from "./image-shape";

export function buildModel({ params, inputShape, outputUnits }: ModelContext): tf.LayersModel {
  const side = squareSide(inputShape[0]!);
  const filters = Number(params.filters ?? 8);
  const model = tf.sequential();
  model.add(tf.layers.reshape({ targetShape: [side, side, 1], inputShape }));
  model.add(tf.layers.conv2d({ filters, kernelSize: 3, activation: "relu" }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: outputUnits, activation: "softmax" }));
  return model;
}
