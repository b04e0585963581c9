/** A valid raw spec (as decoded from YAML), fresh on every call so tests can mutate it. */
export function rawSpec(): Record<string, any> {
  return {
    name: "fixture",
    dataset: {
      path: "../data/bmi.csv",
      features: ["Height", "Weight", "Gender"],
      target: "Index",
      task: "classification",
      numClasses: 6,
      split: { head: 300 },
    },
    model: { type: "mlp", hidden: [16, 8] },
    training: { epochs: 20 },
    grid: { optimizer: ["sgd"], learningRate: [0.1, 0.01, 0.001], seed: [1, 2] },
  };
}
