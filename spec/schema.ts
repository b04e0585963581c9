import { z } from "zod";
import type { AllowedKeys } from "./errors";
import { countTrials, MAX_TRIALS, trialCountBound } from "./expand";
import {
  fraction,
  gridList,
  nonNegativeNumber,
  optimizerName,
  positiveNumber,
  seedInt,
  slug,
} from "./fields";
import { appliesTo, GRID_KEYS, OPTIMIZER_DEFAULTS, settingsOf } from "./optimizer-defaults";
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
import type { GridKey, Objective, OptimizerSetting, SweepSpec, Task } from "./types";

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

const GridShape = {
  optimizer: gridList(optimizerName),
  learningRate: gridList(SETTINGS.learningRate).optional(),
  momentum: gridList(SETTINGS.momentum).optional(),
  nesterov: gridList(SETTINGS.nesterov).optional(),
  beta1: gridList(SETTINGS.beta1).optional(),
  beta2: gridList(SETTINGS.beta2).optional(),
  epsilon: gridList(SETTINGS.epsilon).optional(),
  rho: gridList(SETTINGS.rho).optional(),
  initialAccumulatorValue: gridList(SETTINGS.initialAccumulatorValue).optional(),
  seed: gridList(seedInt).default([0]),
};

/** A setting no listed optimizer uses is almost certainly a mistake (beta1 in an sgd sweep). */
const GridSchema = z.strictObject(GridShape).superRefine((grid, ctx) => {
  for (const key of GRID_KEYS) {
    if (grid[key] === undefined || grid.optimizer.some((o) => appliesTo(key, o))) continue;
    const users = grid.optimizer.length ? `(${grid.optimizer.join(", ")})` : "";
    const owners = Object.keys(OPTIMIZER_DEFAULTS).filter(
      (o) => key in OPTIMIZER_DEFAULTS[o as "sgd"],
    );
    const message = `does not apply to any optimizer in grid.optimizer ${users}; it is a setting of ${owners.join(", ")}`;
    ctx.addIssue({ code: "custom", path: [key], message });
  }
});

const ExcludeShape = {
  ...GridShape,
  optimizer: GridShape.optimizer.optional(),
  seed: GridShape.seed.unwrap().optional(),
};
const ExcludeRuleSchema = z
  .strictObject(ExcludeShape)
  .refine((rule) => Object.keys(rule).length > 0, {
    message: "an exclude rule needs at least one grid key, e.g. {optimizer: adam, momentum: 0.9}",
  });

const TrialShape = {
  optimizer: optimizerName,
  seed: seedInt.optional(),
  ...Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [k, v.optional()])),
} as { optimizer: typeof optimizerName; seed: z.ZodOptional<typeof seedInt> } & {
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
};

type Parsed = z.output<z.ZodObject<typeof RootShape>>;

/**
 * The user-facing sweep spec (YAML or JSON), validated and with every default filled in.
 * Prefer `parseSpec`, which turns failures into a `SpecError` with readable problems.
 */
export const SweepSpecSchema = z
  .strictObject(RootShape)
  .superRefine(checkAcrossSections)
  .transform((parsed): SweepSpec => ({ ...parsed, objective: objectiveOf(parsed) }));

function checkAcrossSections(spec: Parsed, ctx: z.core.$RefinementCtx<Parsed>): void {
  if (spec.model.type === "linear" && spec.dataset.task === "classification") {
    const message =
      "linear is a regression model (like SGDRegressor); use model type mlp for classification";
    ctx.addIssue({ code: "custom", path: ["model", "type"], message });
  }
  spec.exclude.forEach((rule, i) => {
    for (const key of Object.keys(rule) as GridKey[]) {
      if (spec.grid[key] !== undefined) continue;
      const varied = GRID_KEYS.filter((k) => spec.grid[k] !== undefined).join(", ");
      const message = `is not in the grid, so the rule could never match (the grid has ${varied})`;
      ctx.addIssue({ code: "custom", path: ["exclude", i, key], message });
    }
  });
  // Count exactly only when that is cheap: a typo can make a grid of billions.
  const bound = trialCountBound(spec);
  const exact = bound <= MAX_TRIALS * 10;
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
