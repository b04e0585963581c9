import * as tf from "@tensorflow/tfjs";
import type { Activation } from "../spec/types";
import type { Rng } from "./rng";

const ACTIVATIONS: Record<Activation, (x: tf.Tensor2D) => tf.Tensor2D> = {
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  elu: (x) => tf.elu(x),
  linear: (x) => x,
};

/** Keras `glorot_uniform` drawn from our seeded RNG: U(-l, l), l = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = (rng.nextFloat() * 2 - 1) * limit;
  return out;
}

/**
 * A Keras-style dense stack: Glorot-uniform kernels, zero biases, the hidden activation on every
 * hidden layer and no activation on the output (the loss applies softmax, see `mlp-trainer`).
 * Parameters are `[kernel0, bias0, kernel1, bias1, ...]`.
 */
export class DenseStack {
  readonly params: tf.Variable[];
  readonly shapes: number[][];

  constructor(
    sizes: number[],
    private readonly activation: Activation,
    rng: Rng,
  ) {
    this.shapes = sizes.slice(1).flatMap((out, i) => [[sizes[i]!, out], [out]]);
    this.params = tf.tidy(() =>
      this.shapes.map((shape) => {
        const values =
          shape.length === 2
            ? glorotUniform(shape[0]!, shape[1]!, rng)
            : new Float32Array(shape[0]!);
        return tf.variable(tf.tensor(values, shape, "float32"));
      }),
    );
  }

  /** Output-layer pre-activations (logits) for a batch; `afterHidden` sees each hidden layer's output (dropout). */
  logits(
    x: tf.Tensor2D,
    afterHidden?: (h: tf.Tensor2D, layer: number) => tf.Tensor2D,
  ): tf.Tensor2D {
    let h = x;
    const layers = this.params.length / 2;
    for (let l = 0; l < layers; l++) {
      const z = tf.add(tf.matMul(h, this.params[2 * l] as tf.Tensor2D), this.params[2 * l + 1]!);
      if (l === layers - 1) return z as tf.Tensor2D;
      h = ACTIVATIONS[this.activation](z as tf.Tensor2D);
      if (afterHidden) h = afterHidden(h, l);
    }
    return h;
  }

  dispose(): void {
    for (const p of this.params) p.dispose();
  }
}
