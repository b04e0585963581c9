import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { countTrials, expandTrials, sweepIdFor, withSeeds } from "../../../spec";
import { loadSpecFile, resolveDatasetPath } from "../../../spec/file";

const seedDir = resolve(import.meta.dirname, "../../../examples/seed");
const load = (file: string) => loadSpecFile(resolve(seedDir, file));

/** [file, trials with seeds [1, 2, 3], grid points (trials with one seed)]. */
const examples: Array<[string, number, number]> = [
  ["01-linear-lr.yaml", 24, 8],
  ["02-mlp-lr.yaml", 24, 8],
  ["03-momentum.yaml", 12, 4],
  ["04-optimizers.yaml", 12, 4],
];

describe("the four seed experiments", () => {
  it.each(examples)("%s parses and expands to %i trials (%i per seed)", async (file, all, one) => {
    const loaded = await load(file);
    expect(loaded.spec.grid.seed).toEqual([1, 2, 3]);
    expect(expandTrials(loaded.spec)).toHaveLength(all);
    expect(countTrials(withSeeds(loaded.spec, [1]))).toBe(one);
    expect(resolveDatasetPath(loaded)).toBe(resolve(seedDir, "../data/bmi.csv"));
  });

  it("total 24 trials with a single seed each, under four distinct sweep ids", async () => {
    const specs = await Promise.all(examples.map(([file]) => load(file)));
    const single = specs.map(({ spec }) => withSeeds(spec, [1]));
    expect(single.reduce((n, s) => n + expandTrials(s).length, 0)).toBe(24);
    expect(new Set(specs.map(({ spec }) => sweepIdFor(spec))).size).toBe(4);
  });

  it("experiment 1 is SGDRegressor on a random 70/30 split", async () => {
    const { spec } = await load("01-linear-lr.yaml");
    expect(spec.model).toEqual({ type: "linear", alpha: 1e-4 });
    expect(spec.dataset).toMatchObject({
      task: "regression",
      split: { random: { test: 0.3, seed: 42 } },
    });
    expect(spec.objective).toEqual({ metric: "valMetric", mode: "min" });
    expect(expandTrials(spec).map((t) => t.config.optimizer.learningRate)).toEqual(
      [0.0001, 0.001, 0.01, 0.1, 0.2, 0.5, 0.8, 1].flatMap((lr) => [lr, lr, lr]),
    );
  });

  it("experiments 2-4 share the Keras network and head-300 split", async () => {
    for (const file of ["02-mlp-lr.yaml", "03-momentum.yaml", "04-optimizers.yaml"]) {
      const [trial] = expandTrials((await load(file)).spec);
      expect(trial?.config).toMatchObject({
        dataset: {
          features: ["Height", "Weight", "Gender"],
          target: "Index",
          numClasses: 6,
          split: { head: 300 },
        },
        model: { type: "mlp", hidden: [128, 64], activation: "relu" },
        epochs: 200,
        batchSize: 32,
      });
    }
  });

  it("experiment 3 varies momentum at lr 0.001; experiment 4 uses each optimizer's defaults", async () => {
    const momentum = expandTrials(withSeeds((await load("03-momentum.yaml")).spec, [1]));
    expect(momentum.map((t) => t.config.optimizer)).toEqual(
      [0, 0.1, 0.5, 0.9].map((m) => ({
        name: "sgd",
        learningRate: 0.001,
        momentum: m,
        nesterov: false,
      })),
    );
    const optimizers = expandTrials(withSeeds((await load("04-optimizers.yaml")).spec, [1]));
    expect(optimizers.map((t) => t.config.optimizer)).toEqual([
      { name: "adamax", learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      { name: "adam", learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      { name: "adagrad", learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 },
      { name: "rmsprop", learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7 },
    ]);
  });
});
