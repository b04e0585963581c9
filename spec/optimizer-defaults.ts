import type { GridKey, ModelKey, OptimizerConfig, OptimizerName, OptimizerSetting } from "./types";

/** Every optimizer a spec may name, in the order error messages list them. */
export const OPTIMIZER_NAMES = [
  "sgd",
  "adam",
  "adamax",
  "adagrad",
  "rmsprop",
] as const satisfies readonly OptimizerName[];

/** Grid keys in expansion order: `optimizer` is the outermost loop, `seed` the innermost. */
export const GRID_KEYS = [
  "optimizer",
  "learningRate",
  "momentum",
  "nesterov",
  "beta1",
  "beta2",
  "epsilon",
  "rho",
  "initialAccumulatorValue",
  "hidden",
  "activation",
  "dropout",
  "l2",
  "epochs",
  "batchSize",
  "seed",
] as const satisfies readonly GridKey[];

/** Grid keys for the model and training: they apply to every optimizer. */
export const MODEL_KEYS = [
  "hidden",
  "activation",
  "dropout",
  "l2",
  "epochs",
] as const satisfies readonly ModelKey[];

/** Model keys that only the built-in MLP has. */
export const MLP_KEYS = ["hidden", "activation", "dropout", "l2"] as const;

const ANY_OPTIMIZER: ReadonlySet<GridKey> = new Set<GridKey>([
  "optimizer",
  "seed",
  "batchSize",
  ...MODEL_KEYS,
]);

type Settings = Omit<OptimizerConfig, "name">;

/**
 * Keras defaults (tf.keras.optimizers), one entry per setting the optimizer accepts.
 * The keys of each entry are exactly the settings that apply to that optimizer.
 * Note: Keras' SGD defaults to a learning rate of 0.01; the others to 0.001.
 *
 * @example OPTIMIZER_DEFAULTS.adam.beta2 // 0.999
 */
export const OPTIMIZER_DEFAULTS: Readonly<Record<OptimizerName, Readonly<Settings>>> = {
  sgd: { learningRate: 0.01, momentum: 0, nesterov: false },
  adam: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  adamax: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  adagrad: { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 },
  rmsprop: { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7 },
};

/** The settings that apply to `name`, in grid order. */
export function settingsOf(name: OptimizerName): OptimizerSetting[] {
  const own = OPTIMIZER_DEFAULTS[name];
  return GRID_KEYS.filter((k): k is OptimizerSetting => k in own);
}

/** Whether grid key `key` means anything for optimizer `name` (optimizer, seed, batchSize and model keys always do). */
export function appliesTo(key: GridKey, name: OptimizerName): boolean {
  return ANY_OPTIMIZER.has(key) || key in OPTIMIZER_DEFAULTS[name];
}

/**
 * The optimizer's full config: `given` settings over its Keras defaults, settings that do not
 * apply to it dropped.
 *
 * @example resolveOptimizer("sgd", { momentum: 0.9, beta1: 0.5 })
 * // { name: "sgd", learningRate: 0.01, momentum: 0.9, nesterov: false }
 */
export function resolveOptimizer(name: OptimizerName, given: Partial<Settings>): OptimizerConfig {
  const config: OptimizerConfig = { name, ...OPTIMIZER_DEFAULTS[name] };
  for (const key of settingsOf(name)) {
    const value = given[key];
    if (value !== undefined) Object.assign(config, { [key]: value });
  }
  return config;
}
