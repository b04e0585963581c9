import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { OptimizerConfig } from "../../../spec/types";
import { initBackend, resolveOptimizer } from "../../../training";
import { KerasOptimizer } from "../../../training/optimizers";

beforeAll(async () => {
  await initBackend("cpu");
});

/** Two steps from w = [1, -2] with gradients g1 = [0.5, -0.25], then g2 = [-1, 0.5]. */
function twoSteps(config: OptimizerConfig): number[] {
  const w = tf.variable(tf.tensor1d([1, -2]));
  const opt = new KerasOptimizer(config, [w]);
  for (const g of [
    [0.5, -0.25],
    [-1, 0.5],
  ]) {
    const grad = tf.tensor1d(g);
    opt.apply([grad]);
    grad.dispose();
  }
  const out = Array.from(w.dataSync());
  opt.dispose();
  w.dispose();
  expect(opt.iterations).toBe(2);
  return out;
}

describe("resolveOptimizer", () => {
  it("fills Keras defaults explicitly, per optimizer", () => {
    expect(resolveOptimizer({ name: "adam" })).toEqual({
      name: "adam",
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
    expect(resolveOptimizer({ name: "adagrad" })).toMatchObject({
      initialAccumulatorValue: 0.1,
      epsilon: 1e-7,
    });
    expect(resolveOptimizer({ name: "rmsprop" })).toMatchObject({
      rho: 0.9,
      epsilon: 1e-7,
      momentum: 0,
    });
    expect(resolveOptimizer({ name: "sgd" })).toEqual({
      name: "sgd",
      learningRate: 0.01,
      momentum: 0,
      nesterov: false,
    });
  });

  it("lets given values win and drops settings the optimizer does not use", () => {
    const c = resolveOptimizer({ name: "sgd", learningRate: 0.5, momentum: 0.9, beta1: 0.1 });
    expect(c).toEqual({ name: "sgd", learningRate: 0.5, momentum: 0.9, nesterov: false });
  });

  it("rejects a non-positive learning rate and momentum outside [0, 1]", () => {
    expect(() => resolveOptimizer({ name: "adam", learningRate: 0 })).toThrow(/learningRate/);
    expect(() => resolveOptimizer({ name: "sgd", momentum: 1.5 })).toThrow(/momentum/);
  });
});

// Expected values worked by hand from the Keras 3 update rules (lr = 0.1), e.g. sgd+momentum 0.9:
// m1 = -0.1·0.5 = -0.05, w1 = 0.95; m2 = 0.9·(-0.05) + 0.1 = 0.055, w2 = 1.005.
describe("first steps match Keras' update rules", () => {
  const lr = 0.1;
  const cases: Array<
    [string, Partial<OptimizerConfig> & { name: OptimizerConfig["name"] }, number[]]
  > = [
    ["sgd", { name: "sgd" }, [1.05, -2.025]],
    ["sgd momentum 0.9", { name: "sgd", momentum: 0.9 }, [1.005, -2.0025]],
    ["sgd nesterov 0.9", { name: "sgd", momentum: 0.9, nesterov: true }, [1.0545, -2.02725]],
    // Step 1 moves each weight by ≈ lr against the gradient's sign (bias-corrected m/√v = ±1).
    ["adam", { name: "adam" }, [0.936610881595338, -1.9366114104796779]],
    ["adamax", { name: "adamax" }, [0.928947385526312, -1.928947402631564]],
    // Accumulator starts at 0.1: step 1 is 1 - 0.1·0.5/√0.35 = 0.915485...
    ["adagrad", { name: "adagrad" }, [1.0015508799955246, -2.0158325367674568]],
    ["rmsprop", { name: "rmsprop" }, [0.969487035533078, -1.9694885830180575]],
    [
      "rmsprop momentum 0.5",
      { name: "rmsprop", momentum: 0.5 },
      [0.8113734687514764, -1.8113759649055239],
    ],
  ];
  for (const [label, partial, expected] of cases) {
    it(label, () => {
      const got = twoSteps(resolveOptimizer({ ...partial, learningRate: lr }));
      got.forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i]!, 5);
      });
    });
  }

  it("adagrad's first step uses the 0.1 initial accumulator", () => {
    const w = tf.variable(tf.tensor1d([1]));
    const opt = new KerasOptimizer(resolveOptimizer({ name: "adagrad", learningRate: 0.1 }), [w]);
    const g = tf.tensor1d([0.5]);
    opt.apply([g]);
    expect(w.dataSync()[0]).toBeCloseTo(1 - 0.05 / Math.sqrt(0.35), 6);
    tf.dispose([g, w]);
    opt.dispose();
  });
});
