import { z } from "zod";
import {
  activationName,
  dropoutRate,
  epochsInt,
  fraction,
  gridList,
  hiddenValue,
  must,
  nonNegativeNumber,
  optimizerName,
  paramName,
  paramValue,
  positiveInt,
  positiveNumber,
  seedInt,
} from "./fields";
import { appliesTo, GRID_KEYS, OPTIMIZER_DEFAULTS, settingsOf } from "./optimizer-defaults";
import { axisSchema, distributionSchema, type ValueKind } from "./space/axis";
import { unusedSettings } from "./space/checks";
import { optimizersOf } from "./space/space";
import type { Axis, GridKey, GridSpec, ModelKey, OptimizerSetting, ParamValue } from "./types";

/** Schemas of the search space (grid), exclude rules and explicit trials. */

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

/** One validator per model and training key (hidden values become `"128-64"` strings). */
const MODEL_SETTINGS = {
  hidden: hiddenValue,
  activation: activationName,
  dropout: dropoutRate,
  l2: nonNegativeNumber,
  epochs: epochsInt,
} satisfies Record<ModelKey, z.ZodType>;

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
  hidden: gridList(MODEL_SETTINGS.hidden).optional(),
  activation: gridList(MODEL_SETTINGS.activation).optional(),
  dropout: gridList(MODEL_SETTINGS.dropout).optional(),
  l2: gridList(MODEL_SETTINGS.l2).optional(),
  epochs: gridList(MODEL_SETTINGS.epochs).optional(),
  batchSize: gridList(positiveInt).optional(),
  seed: gridList(seedInt).default([0]),
};

const WhenSchema = z
  .strictObject({
    ...ListShape,
    optimizer: ListShape.optimizer.optional(),
    seed: ListShape.seed.unwrap().optional(),
  })
  .refine((w) => Object.keys(w).length > 0, must("must name at least one grid key"));

/** A key of the grid: a list, or a distribution of values `item` accepts. */
function axis<T extends ParamValue>(key: string, item: z.ZodType<T>, kind: ValueKind) {
  const list = gridList(item);
  const distribution = distributionSchema(key, kind, item, WhenSchema);
  return axisSchema(list, distribution) as unknown as z.ZodType<Axis<T>>;
}

/** Free parameter names are identifiers that do not shadow a grid key (both are trial params). */
function checkNames(params: Record<string, unknown>, ctx: z.core.$RefinementCtx<unknown>): void {
  for (const name of Object.keys(params)) {
    const named = paramName.safeParse(name);
    const message = !named.success
      ? "must be an identifier (letters, digits, _; at most 64)"
      : (GRID_KEYS as readonly string[]).includes(name) || name === "params"
        ? "is a grid key; free parameters need names of their own"
        : undefined;
    if (message) ctx.addIssue({ code: "custom", path: [name], message });
  }
}

/** grid.params: free user parameters, each a list or any distribution. */
const FreeParamsSchema = z
  .record(z.string(), axis("params", paramValue, "any"))
  .superRefine(checkNames)
  .refine((p) => Object.keys(p).length > 0, must("must name at least one parameter"));

/** Top-level params: fixed free user parameters. */
export const FixedParamsSchema = z.record(z.string(), paramValue).superRefine(checkNames);

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
  hidden: axis("hidden", MODEL_SETTINGS.hidden, "categorical").optional(),
  activation: axis("activation", MODEL_SETTINGS.activation, "categorical").optional(),
  dropout: axis("dropout", MODEL_SETTINGS.dropout, "float").optional(),
  l2: axis("l2", MODEL_SETTINGS.l2, "float").optional(),
  epochs: axis("epochs", MODEL_SETTINGS.epochs, "int").optional(),
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
  params: FreeParamsSchema.optional(),
};

/** A setting no listed optimizer uses is almost certainly a mistake (beta1 in an sgd sweep). */
export const GridSchema = z.strictObject(GridShape).superRefine((grid, ctx) => {
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
export const ExcludeRuleSchema = z
  .strictObject(ExcludeShape)
  .refine((rule) => Object.keys(rule).length > 0, {
    message: "an exclude rule needs at least one grid key, e.g. {optimizer: adam, momentum: 0.9}",
  });

const TrialShape = {
  optimizer: optimizerName,
  seed: seedInt.optional(),
  batchSize: positiveInt.optional(),
  ...Object.fromEntries(
    Object.entries({ ...SETTINGS, ...MODEL_SETTINGS }).map(([k, v]) => [k, v.optional()]),
  ),
} as {
  optimizer: typeof optimizerName;
  seed: z.ZodOptional<typeof seedInt>;
  batchSize: z.ZodOptional<typeof positiveInt>;
} & {
  [K in OptimizerSetting]: z.ZodOptional<(typeof SETTINGS)[K]>;
} & {
  [K in ModelKey]: z.ZodOptional<(typeof MODEL_SETTINGS)[K]>;
};

/** Explicit trials are taken literally, so a setting their optimizer ignores is an error. */
export const TrialSchema = z.strictObject(TrialShape).superRefine((trial, ctx) => {
  for (const key of Object.keys(trial) as GridKey[]) {
    if (appliesTo(key, trial.optimizer)) continue;
    const message = `does not apply to optimizer ${trial.optimizer} (its settings: ${settingsOf(trial.optimizer).join(", ")})`;
    ctx.addIssue({ code: "custom", path: [key], message });
  }
});
