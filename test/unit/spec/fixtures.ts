/** A decoded spec that tests break in arbitrary ways, so deliberately untyped. */
// biome-ignore lint/suspicious/noExplicitAny: malformed-spec tests write anything anywhere on purpose
export type RawSpec = Record<string, any>;

/** A valid raw spec (as decoded from YAML), fresh on every call so tests can mutate it. */
export function rawSpec(): RawSpec {
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
