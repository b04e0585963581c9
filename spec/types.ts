/**
 * The vocabulary shared by the spec, the workflows and the training engine.
 * Pure types: safe to import from workflow code.
 */

export type Task = "regression" | "classification";

export type SplitConfig = { head: number } | { random: { test: number; seed: number } };

export interface DatasetConfig {
  /** Local path (relative to the spec file's folder once resolved) or `s3://<key>` in the sweep bucket. */
  source: string;
  features: string[];
  target: string;
  task: Task;
  /** Classification only; when absent the loader infers max(label) + 1. */
  numClasses?: number;
  split: SplitConfig;
  /** Standardise features with mean/std fitted on the training part only. */
  standardize: boolean;
  /** `csv` or `jsonl`; absent: from the source's name (`.jsonl`, `.ndjson`), else csv. */
  format?: "csv" | "jsonl";
  /** Feature columns holding categories, and how each is encoded. */
  categorical?: Record<string, CategoricalEncoding>;
  /** What to do with a missing cell, per column (otherwise a missing cell is an error). */
  missing?: Record<string, MissingRule>;
  /** Regression only: standardise the target too (fitted on the training part only). */
  standardizeTarget?: boolean;
}

/** One-hot (a 0/1 column per category) or index (the category's position, one column). */
export type CategoricalEncoding = "onehot" | "index";

/** `drop` the row, or `fill` the cell with a value. */
export type MissingRule = "drop" | { fill: number | string };

export type Activation = "relu" | "tanh" | "sigmoid" | "elu" | "linear";

/**
 * A trial run as a process in any language (`trainable:` in the spec, see spec/README.md).
 * `command`, `code` and `env` are part of the trial id; the timeouts and the metrics channel
 * change no result, so they are not.
 */
export interface CommandModel {
  type: "command";
  /** Program and arguments; `{name}` in an argument is replaced by the trial's parameter. */
  command: string[];
  /** The code folder: a local path (relative to the spec's folder) until the sweep starts, then `s3://code/<sha256>/bundle.json`. */
  code: string;
  /** Extra environment variables for the process. */
  env?: Record<string, string>;
  /** Where the process writes its protocol lines. */
  metrics: "stdout" | "file";
  /** A process that reports no line (epoch or checkpoint) for this long is stopped and failed. */
  reportTimeoutSeconds: number;
  /** Seconds between SIGTERM and SIGKILL when a trial is cancelled or its worker stops. */
  killGraceSeconds: number;
}

export type ModelConfig =
  /** scikit-learn SGDRegressor semantics: squared loss, L2 penalty `alpha`, per-sample updates. */
  | { type: "linear"; alpha: number }
  | CommandModel
  | {
      type: "mlp";
      hidden: number[];
      activation: Activation;
      /** Keras Dropout rate after every hidden layer; absent (or 0): none. */
      dropout?: number;
      /** Keras L2 kernel regularizer factor on every dense layer; absent (or 0): none. */
      l2?: number;
    }
  /**
   * The user's TensorFlow.js model module. `module` is a local path in the spec (relative to its
   * folder); preparing the sweep bundles it and points it at the bundle in the bucket,
   * `s3://code/<sha256>/<name>.cjs`, so the code's hash is part of every trial id.
   */
  | { type: "module"; module: string };

export type OptimizerName = "sgd" | "adam" | "adamax" | "adagrad" | "rmsprop";

/** Fully resolved optimizer settings (Keras defaults filled in). */
export interface OptimizerConfig {
  name: OptimizerName;
  learningRate: number;
  /** sgd, rmsprop */
  momentum?: number;
  /** sgd */
  nesterov?: boolean;
  /** adam, adamax */
  beta1?: number;
  /** adam, adamax */
  beta2?: number;
  /** adam, adamax, adagrad, rmsprop */
  epsilon?: number;
  /** rmsprop */
  rho?: number;
  /** adagrad */
  initialAccumulatorValue?: number;
}

/** Everything the training engine needs to train one trial, deterministically. */
export interface TrialConfig {
  dataset: DatasetConfig;
  model: ModelConfig;
  optimizer: OptimizerConfig;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Free user parameters (`params:` in the spec) for user code; absent when there are none. */
  params?: Record<string, ParamValue>;
}

export type BackendPreference = "auto" | "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** One epoch's records, evaluated over the full train and validation sets after the epoch. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  trainLoss: number;
  valLoss: number;
  /** Accuracy for classification, MSE for regression. */
  trainMetric: number;
  valMetric: number;
  /** Wall time of the epoch (training + evaluation), seconds. */
  seconds: number;
}

/** `stopped`: early stopping ended it before its last epoch (a result, with its curve so far). */
export type TrialStatus = "completed" | "diverged" | "failed" | "cancelled" | "stopped";

/** A grid coordinate value (what varies between trials). */
export type ParamValue = number | string | boolean;

/** One expanded trial of a sweep: its stable id, grid coordinates and full config. */
export interface TrialSpec {
  /** Stable hash of the resolved config (`t-` + 16 hex): same parameters, same id. */
  trialId: string;
  /** Position in the expanded grid (0-based, deterministic). */
  index: number;
  /** The hyper-parameters that define it, e.g. `{ optimizer: "sgd", learningRate: 0.01, momentum: 0, seed: 1 }`. */
  params: Record<string, ParamValue>;
  config: TrialConfig;
}

/** The keys a sweep grid may vary, in expansion order (first = outermost loop). */
export type GridKey =
  | "optimizer"
  | "learningRate"
  | "momentum"
  | "nesterov"
  | "beta1"
  | "beta2"
  | "epsilon"
  | "rho"
  | "initialAccumulatorValue"
  | "hidden"
  | "activation"
  | "dropout"
  | "l2"
  | "epochs"
  | "batchSize"
  | "seed";

/** Grid keys that set the model or training rather than the optimizer (they apply to every optimizer). */
export type ModelKey = "hidden" | "activation" | "dropout" | "l2" | "epochs";

/** An optimizer hyper-parameter (every optimizer field but its name). */
export type OptimizerSetting = Exclude<keyof OptimizerConfig, "name">;

/** Applies a sampled setting only where every named key has one of the listed values. */
export type Condition = { [K in GridKey]?: ParamValue[] };

/**
 * A distribution a setting is sampled from (search.method random or tpe), as written in the
 * spec: exactly one of `uniform`, `loguniform`, `int` (`[low, high]`, both included) or `choice`.
 */
export interface Distribution<T extends ParamValue = ParamValue> {
  uniform?: [number, number];
  loguniform?: [number, number];
  int?: [number, number];
  /** int only: sample in log space. */
  log?: boolean;
  /** int only: values low, low + step, ... */
  step?: number;
  choice?: T[];
  /** Sample this setting only for trials whose other keys match. */
  when?: Condition;
}

/** A grid key's values: a list (a grid axis) or a distribution (sampled). */
export type Axis<T extends ParamValue> = T[] | Distribution<T>;

/** The search space: grid axes (lists) crossed with sampled settings (distributions). */
export interface GridSpec {
  optimizer: Axis<OptimizerName>;
  learningRate?: Axis<number>;
  momentum?: Axis<number>;
  nesterov?: Axis<boolean>;
  beta1?: Axis<number>;
  beta2?: Axis<number>;
  epsilon?: Axis<number>;
  rho?: Axis<number>;
  initialAccumulatorValue?: Axis<number>;
  /** Overrides model.hidden per trial; each value is the widths joined by `-` once parsed (`"128-64"`). */
  hidden?: Axis<string>;
  /** Overrides model.activation per trial. */
  activation?: Axis<Activation>;
  /** Overrides model.dropout per trial. */
  dropout?: Axis<number>;
  /** Overrides model.l2 per trial. */
  l2?: Axis<number>;
  /** Overrides training.epochs per trial. */
  epochs?: Axis<number>;
  /** Overrides training.batchSize per trial. */
  batchSize?: Axis<number>;
  /** Replicates: always a list. */
  seed: number[];
  /** Free user parameters, each a list or a distribution; they reach `TrialConfig.params`. */
  params?: Record<string, Axis<ParamValue>>;
}

/** Drops every grid trial whose params match all of the rule's keys (value in the rule's list). */
export type ExcludeRule = { [K in GridKey]?: ParamValue[] };

/** One extra trial given explicitly; without `seed` it runs once per grid seed. */
export type ExplicitTrial = {
  optimizer: OptimizerName;
  seed?: number;
  batchSize?: number;
  epochs?: number;
  hidden?: string;
  activation?: Activation;
  dropout?: number;
  l2?: number;
} & {
  [K in OptimizerSetting]?: OptimizerConfig[K];
};

/**
 * How the space is searched. grid: every combination of the lists. random: `trials` points
 * sampled from the distributions (deterministic from `seed`), each crossed with the grid lists.
 * tpe: the same, but after `startupTrials` random points each point is proposed from the
 * finished trials' results.
 */
export type SearchSpec =
  | { method: "grid" }
  | { method: "random"; trials: number; seed: number }
  | { method: "tpe"; trials: number; seed: number; startupTrials: number };

/** Stops poor trials before training.epochs, judged on `metric` (the objective's by default). */
export type EarlyStoppingSpec =
  | {
      method: "asha";
      metric: ObjectiveMetric;
      mode: "max" | "min";
      /** The first rung (grace period). */
      minEpochs: number;
      /** η: rungs at minEpochs·η^k; the top 1/η of a rung is promoted. */
      reductionFactor: number;
    }
  | {
      method: "median";
      metric: ObjectiveMetric;
      mode: "max" | "min";
      /** No trial is stopped before this epoch. */
      warmupEpochs: number;
      /** How many other trials must have reached an epoch before it judges one. */
      minTrials: number;
    };

/** Caps on the sweep: scheduling stops when one is reached. */
export interface BudgetSpec {
  maxTrials?: number;
  maxFailedTrials?: number;
  maxHours?: number;
}

/** Where the data lives, as written in the spec: a local path (relative to the spec file) or `s3://<key>`. */
export type DatasetLocation =
  | { path: string; s3?: undefined; url?: undefined }
  | { s3: string; path?: undefined; url?: undefined }
  | { url: string; path?: undefined; s3?: undefined };

/** The dataset section of a validated spec. */
export type DatasetSpec = DatasetLocation & Omit<DatasetConfig, "source">;

export interface TrainingSpec {
  epochs: number;
  batchSize: number;
  /** Write a checkpoint every N epochs (does not change results, so not part of trial ids). */
  checkpointEvery: number;
}

export type ObjectiveMetric = "valMetric" | "valLoss" | "trainMetric" | "trainLoss";

/** What the leaderboard ranks by (the last epoch's value of `metric`). */
export interface Objective {
  metric: ObjectiveMetric;
  mode: "max" | "min";
}

export interface RetrySpec {
  maximumAttempts: number;
  initialIntervalSeconds: number;
  backoffCoefficient: number;
  maximumIntervalSeconds: number;
}

export interface ExecutionSpec {
  /** Worker pool; trials run on task queue `hypersweep-<pool>`. */
  pool: string;
  maxParallel: number;
  retry: RetrySpec;
  trialTimeoutMinutes: number;
  heartbeatTimeoutSeconds: number;
  /**
   * Trials per training activity: compatible trials train as one batched computation. `auto`
   * (the default) is chosen when the sweep starts, from the pool's backends; 1 turns packing
   * off. Absent in specs started before packing existed: solo.
   */
  pack?: "auto" | number;
}

/** A validated sweep spec, every default filled in (parsing it again yields the same value). */
export interface SweepSpec {
  name: string;
  description?: string;
  dataset: DatasetSpec;
  model: ModelConfig;
  training: TrainingSpec;
  grid: GridSpec;
  exclude: ExcludeRule[];
  trials: ExplicitTrial[];
  objective: Objective;
  execution: ExecutionSpec;
  /** Absent: grid search (so specs written before search existed keep their sweep ids). */
  search?: SearchSpec;
  earlyStopping?: EarlyStoppingSpec;
  budget?: BudgetSpec;
  /** Fixed free user parameters, passed to every trial (grid.params vary them). */
  params?: Record<string, ParamValue>;
}
