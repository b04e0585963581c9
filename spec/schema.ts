import { z } from "zod";
import type { AllowedKeys } from "./errors";
import { countTrials, type Expandable, MAX_TRIALS, trialCountBound } from "./expand";
import {
  fraction,
  gridList,
  must,
  positiveInt,
  nonNegativeNumber,
  optimizerName,
  positiveNumber,
  seedInt,
  slug,
} from "./fields";
import { appliesTo, GRID_KEYS, OPTIMIZER_DEFAULTS, settingsOf } from "./optimizer-defaults";
import { axisSchema, distributionSchema, type ValueKind } from "./space/axis";
import { checkConditions, checkSearchMethod, unusedSettings } from "./space/checks";
import { BudgetSchema, EarlyStoppingSchema, SearchSchema } from "./space/sections";
import { optimizersOf } from "./space/space";
import {
  DatasetSchema,
  DatasetShape,
  ExecutionSchema,
  ExecutionShape,
  LinearShape,
  MlpShape,
  ModelSchema,
  RandomSplitKeys,
  RetryShape,
  SplitShape,
  TrainingSchema,
  TrainingShape,
} from "./sections";
import type {
  Axis,
  GridKey,
  GridSpec,
  Objective,
  OptimizerSetting,
  ParamValue,
  SweepSpec,
  Task,
} from "./types";

/** One validator per optimizer setting, shared by the grid, exclude rules and explicit trials. */
const SETTINGS = {
  learningRate: positiveNumber,
  momentum: fraction,
  nesterov: z.boolean(),
  beta1: fraction,
  beta2: fraction,
  epsilon: positiveNumber,
  rho: fraction,
  initialAccumulatorValue: nonNegativeNumber,
} satisfies Record<OptimizerSetting, z.ZodType>;

/** Grid keys as lists: the grid's axes, exclude rules and `when` conditions. */
const ListShape = {
  optimizer: gridList(optimizerName),
  learningRate: gridList(SETTINGS.learningRate).optional(),
  momentum: gridList(SETTINGS.momentum).optional(),
  nesterov: gridList(SETTINGS.nesterov).optional(),
  beta1: gridList(SETTINGS.beta1).optional(),
  beta2: gridList(SETTINGS.beta2).optional(),
  epsilon: gridList(SETTINGS.epsilon).optional(),
  rho: gridList(SETTINGS.rho).optional(),
  initialAccumulatorValue: gridList(SETTINGS.initialAccumulatorValue).optional(),
  batchSize: gridList(positiveInt).optional(),
  seed: gridList(seedInt).default([0]),
};

const WhenSchema = z
  .strictObject({ ...ListShape, optimizer: ListShape.optimizer.optional(), seed: z.unknown() })
  .refine((w) => Object.keys(w).length > 0, must("must name at least one grid key"));

/** A key of the grid: a list, or a distribution of values `item` accepts. */
function axis<T extends ParamValue>(key: GridKey, item: z.ZodType<T>, kind: ValueKind) {
  const list = gridList(item);
  const distribution = distributionSchema(key, kind, item, WhenSchema);
  return axisSchema(list, distribution) as unknown as z.ZodType<Axis<T>>;
}

const GridShape = {
  optimizer: axis("optimizer", optimizerName, "categorical"),
  learningRate: axis("learningRate", SETTINGS.learningRate, "float").optional(),
  momentum: axis("momentum", SETTINGS.momentum, "float").optional(),
  nesterov: axis("nesterov", SETTINGS.nesterov, "categorical").optional(),
  beta1: axis("beta1", SETTINGS.beta1, "float").optional(),
  beta2: axis("beta2", SETTINGS.beta2, "float").optional(),
  epsilon: axis("epsilon", SETTINGS.epsilon, "float").optional(),
  rho: axis("rho", SETTINGS.rho, "float").optional(),
  initialAccumulatorValue: axis(
    "initialAccumulatorValue",
    SETTINGS.initialAccumulatorValue,
    "float",
  ).optional(),
  batchSize: axis("batchSize", positiveInt, "int").optional(),
  seed: axisSchema(
    ListShape.seed.unwrap(),
    z
      .unknown()
      .refine(
        () => false,
        must("seeds are replicates: list them (e.g. [1, 2, 3]); they are not sampled"),
      ),
  ).default([0]) as unknown as z.ZodType<number[]>,
};

/** A setting no listed optimizer uses is almost certainly a mistake (beta1 in an sgd sweep). */
const GridSchema = z.strictObject(GridShape).superRefine((grid, ctx) => {
  const names = optimizersOf(grid as GridSpec);
  for (const key of unusedSettings(grid as GridSpec)) {
    const users = names.length ? `(${names.join(", ")})` : "";
    const owners = Object.keys(OPTIMIZER_DEFAULTS).filter(
      (o) => key in OPTIMIZER_DEFAULTS[o as "sgd"],
    );
    const message = `does not apply to any optimizer in grid.optimizer ${users}; it is a setting of ${owners.join(", ")}`;
    ctx.addIssue({ code: "custom", path: [key], message });
  }
});

const ExcludeShape = {
  ...ListShape,
  optimizer: ListShape.optimizer.optional(),
  seed: ListShape.seed.unwrap().optional(),
};
const ExcludeRuleSchema = z
  .strictObject(ExcludeShape)
  .refine((rule) => Object.keys(rule).length > 0, {
    message: "an exclude rule needs at least one grid key, e.g. {optimizer: adam, momentum: 0.9}",
  });

const TrialShape = {
  optimizer: optimizerName,
  seed: seedInt.optional(),
  batchSize: positiveInt.optional(),
  ...Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [k, v.optional()])),
} as {
  optimizer: typeof optimizerName;
  seed: z.ZodOptional<typeof seedInt>;
  batchSize: z.ZodOptional<typeof positiveInt>;
} & {
  [K in OptimizerSetting]: z.ZodOptional<(typeof SETTINGS)[K]>;
};

/** Explicit trials are taken literally, so a setting their optimizer ignores is an error. */
const TrialSchema = z.strictObject(TrialShape).superRefine((trial, ctx) => {
  for (const key of Object.keys(trial) as GridKey[]) {
    if (appliesTo(key, trial.optimizer)) continue;
    const message = `does not apply to optimizer ${trial.optimizer} (its settings: ${settingsOf(trial.optimizer).join(", ")})`;
    ctx.addIssue({ code: "custom", path: [key], message });
  }
});

const metric = z.enum(["valMetric", "valLoss", "trainMetric", "trainLoss"]);
const ObjectiveShape = { metric: metric.optional(), mode: z.enum(["max", "min"]).optional() };

const RootShape = {
  name: slug,
  description: z.string().optional(),
  dataset: DatasetSchema,
  model: ModelSchema,
  training: TrainingSchema,
  grid: GridSchema,
  exclude: z.array(ExcludeRuleSchema).default([]),
  trials: z.array(TrialSchema).default([]),
  objective: z.strictObject(ObjectiveShape).optional(),
  execution: ExecutionSchema.prefault({}),
  search: SearchSchema.optional(),
  earlyStopping: EarlyStoppingSchema.optional(),
  budget: BudgetSchema.optional(),
};

type Parsed = z.output<z.ZodObject<typeof RootShape>>;

/**
 * The user-facing sweep spec (YAML or JSON), validated and with every default filled in.
 * Prefer `parseSpec`, which turns failures into a `SpecError` with readable problems.
 */
export const SweepSpecSchema = z
  .strictObject(RootShape)
  .superRefine(checkAcrossSections)
  .transform((parsed): SweepSpec => {
    const { earlyStopping, ...rest } = parsed;
    const spec = { ...rest, objective: objectiveOf(parsed) } as SweepSpec;
    if (earlyStopping === undefined) return spec;
    // The stopping metric follows the objective unless it names its own.
    const objective = objectiveOf({ dataset: parsed.dataset, objective: earlyStopping });
    const { metric, mode } = earlyStopping.metric ? objective : spec.objective;
    return {
      ...spec,
      earlyStopping: { ...earlyStopping, metric, mode: earlyStopping.mode ?? mode },
    };
  });

function checkAcrossSections(spec: Parsed, ctx: z.core.$RefinementCtx<Parsed>): void {
  if (spec.model.type === "linear" && spec.dataset.task === "classification") {
    const message =
      "linear is a regression model (like SGDRegressor); use model type mlp for classification";
    ctx.addIssue({ code: "custom", path: ["model", "type"], message });
  }
  const grid = spec.grid as GridSpec;
  spec.exclude.forEach((rule, i) => {
    for (const key of Object.keys(rule) as GridKey[]) {
      if (Array.isArray(grid[key])) continue;
      const varied = GRID_KEYS.filter((k) => Array.isArray(grid[k])).join(", ");
      const message =
        grid[key] === undefined
          ? `is not in the grid, so the rule could never match (the grid has ${varied})`
          : "is sampled, not a grid list; exclude rules match grid lists only";
      ctx.addIssue({ code: "custom", path: ["exclude", i, key], message });
    }
  });
  checkSearchMethod(grid, spec.search, ctx);
  checkConditions(grid, ctx);
  checkEarlyStopping(spec, ctx);
  checkTrialCount(spec as Expandable, ctx);
}

function checkEarlyStopping(spec: Parsed, ctx: z.core.$RefinementCtx<Parsed>): void {
  const stopping = spec.earlyStopping;
  if (stopping === undefined) return;
  const { epochs } = spec.training;
  const [key, value] =
    stopping.method === "asha"
      ? ["minEpochs", stopping.minEpochs]
      : ["warmupEpochs", stopping.warmupEpochs];
  if (value >= epochs) {
    const message = `must be less than training.epochs (${epochs}), or no trial could stop early`;
    ctx.addIssue({ code: "custom", path: ["earlyStopping", key], message });
  }
}

function checkTrialCount(spec: Expandable, ctx: z.core.$RefinementCtx<Parsed>): void {
  // TPE proposes its points during the sweep, so only its bound is known.
  const tpe = spec.search?.method === "tpe" ? spec.search.trials : undefined;
  // Count exactly only when that is cheap: a typo can make a grid of billions.
  const bound = trialCountBound(spec, tpe);
  const exact = tpe === undefined && bound <= MAX_TRIALS * 10;
  const count = exact ? countTrials(spec) : bound;
  if (count === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["exclude"],
      message: "the exclude rules remove every trial",
    });
  } else if (count > MAX_TRIALS) {
    const message = `expands to ${exact ? "" : "up to "}${count} trials; a sweep may have at most ${MAX_TRIALS}`;
    ctx.addIssue({ code: "custom", path: ["grid"], message });
  }
}

/** Default objective: the validation metric, maximised (accuracy) or minimised (MSE); losses are minimised. */
export function objectiveOf(spec: {
  dataset: { task: Task };
  objective?: Partial<Objective> | undefined;
}): Objective {
  const metric = spec.objective?.metric ?? "valMetric";
  const higherIsBetter = metric.endsWith("Metric") && spec.dataset.task === "classification";
  return { metric, mode: spec.objective?.mode ?? (higherIsBetter ? "max" : "min") };
}

const OBJECT_KEYS: Record<string, readonly string[]> = {
  "": Object.keys(RootShape),
  dataset: Object.keys(DatasetShape),
  "dataset.split": Object.keys(SplitShape),
  "dataset.split.random": RandomSplitKeys,
  training: Object.keys(TrainingShape),
  grid: GRID_KEYS,
  "exclude[]": GRID_KEYS,
  "trials[]": GRID_KEYS,
  objective: Object.keys(ObjectiveShape),
  execution: Object.keys(ExecutionShape),
  "execution.retry": Object.keys(RetryShape),
};

/** The keys allowed in the object at `path` (used to suggest a fix for an unknown key). */
export const allowedKeys: AllowedKeys = (path, raw) => {
  const key = path
    .map((s) => (typeof s === "number" ? "[]" : `.${String(s)}`))
    .join("")
    .replace(/^\./, "");
  if (key !== "model") return OBJECT_KEYS[key];
  const type = (raw as { model?: { type?: unknown } } | undefined)?.model?.type;
  return Object.keys(type === "linear" ? LinearShape : MlpShape);
};
