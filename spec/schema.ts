import { z } from "zod";
import { COMMAND_PLACEHOLDERS, CommandShape, placeholdersOf, TRAINABLE_KEY } from "./command";
import type { AllowedKeys } from "./errors";
import { countTrials, type Expandable, MAX_TRIALS, trialCountBound } from "./expand";
import { slug } from "./fields";
import { ExcludeRuleSchema, FixedParamsSchema, GridSchema, TrialSchema } from "./grid-schema";
import { GRID_KEYS, MLP_KEYS } from "./optimizer-defaults";
import {
  DatasetSchema,
  DatasetShape,
  ExecutionSchema,
  ExecutionShape,
  LinearShape,
  MlpShape,
  ModelSchema,
  ModuleShape,
  RandomSplitKeys,
  RetryShape,
  SplitShape,
  TrainingSchema,
  TrainingShape,
} from "./sections";
import { DISTRIBUTION_KEYS } from "./space/axis";
import { checkConditions, checkSearchMethod } from "./space/checks";
import {
  BudgetSchema,
  BudgetShape,
  EarlyStoppingSchema,
  EarlyStoppingShape,
  SearchSchema,
  SearchShape,
} from "./space/sections";
import type { GridKey, GridSpec, Objective, SweepSpec, Task } from "./types";

const metric = z.enum(["valMetric", "valLoss", "trainMetric", "trainLoss"]);
const ObjectiveShape = { metric: metric.optional(), mode: z.enum(["max", "min"]).optional() };

const RootShape = {
  name: slug,
  description: z.string().optional(),
  dataset: DatasetSchema,
  model: ModelSchema,
  // Moved under model by parseSpec; still here only when both were given (an error).
  [TRAINABLE_KEY]: z.unknown().optional(),
  training: TrainingSchema,
  grid: GridSchema,
  exclude: z.array(ExcludeRuleSchema).default([]),
  trials: z.array(TrialSchema).default([]),
  objective: z.strictObject(ObjectiveShape).optional(),
  execution: ExecutionSchema.prefault({}),
  search: SearchSchema.optional(),
  earlyStopping: EarlyStoppingSchema.optional(),
  budget: BudgetSchema.optional(),
  params: FixedParamsSchema.optional(),
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
    const { earlyStopping, [TRAINABLE_KEY]: _alias, ...rest } = parsed;
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
  if (spec[TRAINABLE_KEY] !== undefined) {
    const message = "give either model (built in) or trainable (a command), not both";
    ctx.addIssue({ code: "custom", path: [TRAINABLE_KEY], message });
  }
  checkModelKeys(spec, ctx);
  checkPlaceholders(spec, ctx);
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

/** MLP keys need an MLP; a free parameter is fixed or varied, not both. */
function checkModelKeys(spec: Parsed, ctx: z.core.$RefinementCtx<Parsed>): void {
  const grid = spec.grid as GridSpec;
  const sources: Array<[Array<string | number>, object]> = [
    [["grid"], grid],
    ...spec.trials.map((t, i): [Array<string | number>, object] => [["trials", i], t]),
  ];
  if (spec.model.type !== "mlp") {
    for (const [path, where] of sources) {
      for (const key of MLP_KEYS) {
        if (key in where) {
          const hint =
            spec.model.type === "command" ? " (vary your own settings under grid.params)" : "";
          const message =
            spec.model.type === "module"
              ? `varies the built-in MLP; a model module takes its settings from params (grid.params.${key})`
              : `varies the built-in MLP; model type ${spec.model.type} has no ${key}${hint}`;
          ctx.addIssue({ code: "custom", path: [...path, key], message });
        }
      }
    }
  }
  for (const name of Object.keys(grid.params ?? {})) {
    if (spec.params?.[name] === undefined) continue;
    const message = "is also fixed in the top-level params; give it in one place";
    ctx.addIssue({ code: "custom", path: ["grid", "params", name], message });
  }
}

/** Every `{name}` in a command's arguments names a trial parameter or a known value. */
function checkPlaceholders(spec: Parsed, ctx: z.core.$RefinementCtx<Parsed>): void {
  if (spec.model.type !== "command") return;
  const known = new Set<string>([
    ...GRID_KEYS,
    ...COMMAND_PLACEHOLDERS,
    ...Object.keys((spec.grid as GridSpec).params ?? {}),
    ...Object.keys(spec.params ?? {}),
  ]);
  spec.model.command.forEach((arg, i) => {
    for (const name of placeholdersOf(arg)) {
      if (known.has(name)) continue;
      const message = `{${name}} is not a trial parameter (known: ${[...known].join(", ")}; write {{ for a literal brace)`;
      ctx.addIssue({ code: "custom", path: ["model", "command", i], message });
    }
  });
}

/** The fewest epochs any trial trains for (grid.epochs overrides training.epochs). */
function fewestEpochs(spec: Parsed): number {
  const axis = (spec.grid as GridSpec).epochs;
  if (axis === undefined) return spec.training.epochs;
  if (Array.isArray(axis)) return Math.min(...axis);
  return Math.min(...(axis.int ?? axis.choice ?? [spec.training.epochs]));
}

function checkEarlyStopping(spec: Parsed, ctx: z.core.$RefinementCtx<Parsed>): void {
  const stopping = spec.earlyStopping;
  if (stopping === undefined) return;
  if (spec.model.type === "command") {
    const message =
      "needs a model hypersweep trains (mlp, linear or a module): a command trial runs to its end in one process";
    ctx.addIssue({ code: "custom", path: ["earlyStopping", "method"], message });
    return;
  }
  const epochs = fewestEpochs(spec);
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
  grid: [...GRID_KEYS, "params"],
  "exclude[]": GRID_KEYS,
  "trials[]": GRID_KEYS,
  objective: Object.keys(ObjectiveShape),
  execution: Object.keys(ExecutionShape),
  "execution.retry": Object.keys(RetryShape),
  search: Object.keys(SearchShape),
  earlyStopping: Object.keys(EarlyStoppingShape),
  budget: Object.keys(BudgetShape),
};

/** The keys allowed in the object at `path` (used to suggest a fix for an unknown key). */
export const allowedKeys: AllowedKeys = (path, raw) => {
  const key = path
    .map((s) => (typeof s === "number" ? "[]" : `.${String(s)}`))
    .join("")
    .replace(/^\./, "");
  if (key === "grid.params" || key === "params") return undefined;
  if (/^grid\.params\.\w+$/.test(key)) return DISTRIBUTION_KEYS;
  if (/^grid\.\w+$/.test(key)) return DISTRIBUTION_KEYS;
  if (/^grid\.\w+\.when$/.test(key)) return GRID_KEYS;
  if (key === TRAINABLE_KEY) return Object.keys(CommandShape).filter((k) => k !== "type");
  if (key !== "model") return OBJECT_KEYS[key];
  const type = (raw as { model?: { type?: unknown } } | undefined)?.model?.type;
  if (type === "command") return Object.keys(CommandShape);
  const model = (raw as { model?: { module?: unknown } } | undefined)?.model;
  if (type === "module" || (type === undefined && model?.module !== undefined))
    return Object.keys(ModuleShape);
  return Object.keys(type === "linear" ? LinearShape : MlpShape);
};
