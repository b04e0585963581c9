import { z } from "zod";
import { must, nonNegativeNumber, positiveInt, positiveNumber, seedInt } from "../fields";
import type { BudgetSpec, ObjectiveMetric, SearchSpec } from "../types";

/** Schemas of the search, earlyStopping and budget sections. */

const wholeZeroOrMore = nonNegativeNumber.refine(
  (v) => Number.isSafeInteger(v),
  must("must be a whole number, 0 or more"),
);

export const SearchShape = {
  method: z.enum(["grid", "random", "tpe"]),
  trials: positiveInt.optional(),
  seed: seedInt.optional(),
  startupTrials: positiveInt.optional(),
};

/** Optuna's default number of random trials before TPE starts modelling. */
export const DEFAULT_STARTUP_TRIALS = 10;

type Issue = { path: string[]; message: string };

function misplaced(given: Record<string, unknown>, keys: string[], where: string): Issue[] {
  return keys
    .filter((k) => given[k] !== undefined)
    .map((k) => ({ path: [k], message: `only applies to ${where}` }));
}

export const SearchSchema = z.strictObject(SearchShape).transform((s, ctx): SearchSpec => {
  const issues: Issue[] = [];
  if (s.method === "grid") {
    issues.push(...misplaced(s, ["trials", "seed", "startupTrials"], "methods random and tpe"));
  } else {
    if (s.trials === undefined)
      issues.push({ path: ["trials"], message: "is required: how many points to sample" });
    if (s.method === "random") issues.push(...misplaced(s, ["startupTrials"], "method tpe"));
  }
  const startupTrials = s.startupTrials ?? DEFAULT_STARTUP_TRIALS;
  if (
    s.method === "tpe" &&
    s.trials !== undefined &&
    s.startupTrials !== undefined &&
    startupTrials >= s.trials
  ) {
    const message = `must be less than search.trials (${s.trials}); with no trial left for TPE to propose, use method random`;
    issues.push({ path: ["startupTrials"], message });
  }
  for (const issue of issues) ctx.addIssue({ code: "custom", ...issue });
  if (s.method === "grid" || issues.length) return { method: "grid" };
  const sampled = { trials: s.trials as number, seed: s.seed ?? 0 };
  return s.method === "random"
    ? { method: "random", ...sampled }
    : { method: "tpe", ...sampled, startupTrials };
});

const metric = z.enum(["valMetric", "valLoss", "trainMetric", "trainLoss"]);

export const EarlyStoppingShape = {
  method: z.enum(["asha", "median"]),
  metric: metric.optional(),
  mode: z.enum(["max", "min"]).optional(),
  minEpochs: positiveInt.optional(),
  reductionFactor: z
    .number()
    .refine((v) => v > 1, must("must be more than 1"))
    .optional(),
  warmupEpochs: wholeZeroOrMore.optional(),
  minTrials: positiveInt.optional(),
};

/** As parsed: defaults of the method filled in, metric and mode still optional (they follow the objective). */
export type ParsedEarlyStopping =
  | {
      method: "asha";
      metric?: ObjectiveMetric;
      mode?: "max" | "min";
      minEpochs: number;
      reductionFactor: number;
    }
  | {
      method: "median";
      metric?: ObjectiveMetric;
      mode?: "max" | "min";
      warmupEpochs: number;
      minTrials: number;
    };

/** Defaults: η = 3 (Hyperband's), a grace period of 1 epoch; median as Optuna's MedianPruner (5 trials, no warm-up). */
export const EarlyStoppingSchema = z
  .strictObject(EarlyStoppingShape)
  .transform((e, ctx): ParsedEarlyStopping => {
    const common = {
      method: e.method,
      ...(e.metric ? { metric: e.metric } : {}),
      ...(e.mode ? { mode: e.mode } : {}),
    };
    const wrong =
      e.method === "asha"
        ? misplaced(e, ["warmupEpochs", "minTrials"], "method median")
        : misplaced(e, ["minEpochs", "reductionFactor"], "method asha");
    for (const issue of wrong) ctx.addIssue({ code: "custom", ...issue });
    if (e.method === "asha")
      return {
        ...common,
        method: "asha",
        minEpochs: e.minEpochs ?? 1,
        reductionFactor: e.reductionFactor ?? 3,
      };
    return {
      ...common,
      method: "median",
      warmupEpochs: e.warmupEpochs ?? 0,
      minTrials: e.minTrials ?? 5,
    };
  });

export const BudgetShape = {
  maxTrials: positiveInt.optional(),
  maxFailedTrials: wholeZeroOrMore.optional(),
  maxHours: positiveNumber.optional(),
};

export const BudgetSchema = z
  .strictObject(BudgetShape)
  .refine((b) => Object.keys(b).length > 0, {
    message: "give at least one of maxTrials, maxFailedTrials, maxHours",
  })
  .transform((b) => b as BudgetSpec);
