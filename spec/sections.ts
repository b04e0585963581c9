import { z } from "zod";
import { CommandShape } from "./command";
import { describe, isRecord } from "./errors";
import {
  activationName,
  dropoutRate,
  epochsInt,
  hiddenWidths,
  MAX_DEPTH,
  MAX_EPOCHS,
  MAX_WIDTH,
  must,
  nonNegativeNumber,
  positiveInt,
  positiveNumber,
  seedInt,
  slug,
  uniqueList,
} from "./fields";
import { maxParallelProblem } from "./max-parallel";
import type { DatasetSpec, SplitConfig, TrainingSpec } from "./types";

/** Schemas of the spec's sections that stand alone (dataset, model, training, execution). */

const column = z.string().min(1, must("must not be empty"));

/** Upper bounds: past them a value is a typo (an extra zero), not a plan, and would run for days. */
export const LIMITS = {
  hiddenWidth: MAX_WIDTH,
  hiddenLayers: MAX_DEPTH,
  epochs: MAX_EPOCHS,
  batchSize: 65_536,
};

/** Most trials one packed activity trains (its input and heartbeat stay far below 2 MB). */
export const MAX_PACK = 512;

const intAtMost = (max: number) =>
  positiveInt.refine((v) => v <= max, must(`must be at most ${max}`));

export const SplitShape = {
  head: positiveInt.optional(),
  random: z
    .strictObject({
      test: z.number().refine((v) => v > 0 && v < 1, must("must be between 0 and 1 (exclusive)")),
      seed: seedInt,
    })
    .optional(),
};
export const RandomSplitKeys = ["test", "seed"] as const;

const SplitSchema = z.strictObject(SplitShape).transform((split, ctx): SplitConfig => {
  if (split.head !== undefined && split.random !== undefined) {
    ctx.addIssue({ code: "custom", message: "give either head or random, not both" });
  } else if (split.head !== undefined) {
    return { head: split.head };
  } else if (split.random !== undefined) {
    return { random: split.random };
  } else {
    ctx.addIssue({
      code: "custom",
      message: "must be {head: N} (first N rows train) or {random: {test: 0.3, seed: 42}}",
    });
  }
  return z.NEVER;
});

export const DatasetShape = {
  path: z
    .string()
    .min(1, must("must not be empty"))
    .refine(
      (v) => !v.startsWith("s3://"),
      must("is a local path; put s3:// locations in dataset.s3"),
    )
    .optional(),
  s3: z
    .string()
    .regex(/^s3:\/\/[^/].*/, must('must be an s3:// key, e.g. "s3://datasets/bmi.csv"'))
    .refine(
      (v) =>
        !v
          .slice("s3://".length)
          .split("/")
          .some((part) => part === "." || part === ".."),
      must('must not contain "." or ".." path segments'),
    )
    .optional(),
  features: uniqueList(column, "must list at least one feature column"),
  target: column,
  task: z.enum(["regression", "classification"]),
  numClasses: z
    .number()
    .refine((v) => Number.isSafeInteger(v) && v >= 2, must("must be a whole number, at least 2"))
    .optional(),
  url: z
    .string()
    .regex(/^https?:\/\/[^/]+/, must('must be an http(s):// URL, e.g. "https://example.com/d.csv"'))
    .optional(),
  split: SplitSchema,
  standardize: z.boolean().default(false),
  // No defaults below: a spec without them keeps its sweep and trial ids.
  format: z.enum(["csv", "jsonl"]).optional(),
  categorical: z.record(column, z.enum(["onehot", "index"])).optional(),
  missing: z
    .record(
      column,
      z.union([z.literal("drop"), z.strictObject({ fill: z.union([z.number(), z.string()]) })]),
    )
    .optional(),
  standardizeTarget: z.boolean().optional(),
};

export const DatasetSchema = z
  .strictObject(DatasetShape)
  .superRefine((d, ctx) => {
    if ([d.path, d.s3, d.url].filter((v) => v !== undefined).length !== 1) {
      const message =
        "give exactly one of path (a local file), s3 (an s3:// key) or url (http or https)";
      ctx.addIssue({ code: "custom", message });
    }
    for (const name of Object.keys(d.categorical ?? {})) {
      if (d.features.includes(name)) continue;
      const message = `${JSON.stringify(name)} is not one of the features (${d.features.join(", ")})`;
      ctx.addIssue({ code: "custom", path: ["categorical", name], message });
    }
    for (const [name, rule] of Object.entries(d.missing ?? {})) {
      if (name === d.target && rule !== "drop") {
        const message = "the target's missing values can only be dropped";
        ctx.addIssue({ code: "custom", path: ["missing", name], message });
      } else if (name !== d.target && !d.features.includes(name)) {
        const message = `${JSON.stringify(name)} is neither a feature nor the target`;
        ctx.addIssue({ code: "custom", path: ["missing", name], message });
      }
    }
    if (d.standardizeTarget && d.task !== "regression") {
      const message = "only applies to task: regression";
      ctx.addIssue({ code: "custom", path: ["standardizeTarget"], message });
    }
    if (d.features.includes(d.target)) {
      const message = `${JSON.stringify(d.target)} is the target, so it cannot also be a feature`;
      ctx.addIssue({ code: "custom", path: ["target"], message });
    }
    if (d.numClasses !== undefined && d.task !== "classification") {
      const message = "only applies to task: classification";
      ctx.addIssue({ code: "custom", path: ["numClasses"], message });
    }
  })
  .transform((d) => d as DatasetSpec);

export const LinearShape = { type: z.literal("linear"), alpha: nonNegativeNumber.default(1e-4) };
export const MlpShape = {
  type: z.literal("mlp"),
  hidden: hiddenWidths,
  activation: activationName.default("relu"),
  // No defaults: a spec without them keeps its sweep and trial ids.
  dropout: dropoutRate.optional(),
  l2: nonNegativeNumber.optional(),
};

export const ModuleShape = {
  type: z.literal("module"),
  module: z
    .string()
    .min(1, must("must not be empty"))
    .refine(
      (v) => v.startsWith(CODE_SOURCE_PREFIX) || /\.(?:[cm]?[jt]s|tsx|jsx)$/.test(v),
      must("must name a TypeScript or JavaScript file (.ts, .mts, .js, .mjs, ...)"),
    ),
};

/** Where a prepared module's bundle lives: `s3://code/<sha256>/<name>.cjs`. */
export const CODE_SOURCE_PREFIX = "s3://code/";

const ModelUnion = z.discriminatedUnion(
  "type",
  [
    z.strictObject(LinearShape),
    z.strictObject(MlpShape),
    z.strictObject(CommandShape),
    z.strictObject(ModuleShape),
  ],
  {
    error: (issue) => {
      const type = isRecord(issue.input) ? issue.input.type : undefined;
      return type === undefined
        ? "is required: linear, mlp or module (or give trainable: for a command)"
        : `must be linear, mlp, command or module (got ${describe(type)})`;
    },
  },
);

/** `model: { module: ./net.ts }` needs no `type`: a module key makes it a module model. */
export const ModelSchema = z.preprocess(
  (v) => (isRecord(v) && v.type === undefined && "module" in v ? { type: "module", ...v } : v),
  ModelUnion,
);

export const TrainingShape = {
  epochs: epochsInt,
  batchSize: intAtMost(LIMITS.batchSize).default(32),
  checkpointEvery: positiveInt.optional(),
};

/** checkpointEvery defaults to 10, or to `epochs` for shorter runs. */
export const TrainingSchema = z
  .strictObject(TrainingShape)
  .transform(({ epochs, batchSize, checkpointEvery }, ctx): TrainingSpec => {
    if (checkpointEvery !== undefined && checkpointEvery > epochs) {
      const message = `must be at most epochs (${epochs})`;
      ctx.addIssue({ code: "custom", path: ["checkpointEvery"], message });
    }
    return { epochs, batchSize, checkpointEvery: checkpointEvery ?? Math.min(10, epochs) };
  });

export const RetryShape = {
  maximumAttempts: positiveInt.default(5),
  initialIntervalSeconds: positiveNumber.default(1),
  backoffCoefficient: z
    .number()
    .refine((v) => v >= 1, must("must be at least 1"))
    .default(2),
  maximumIntervalSeconds: positiveNumber.default(30),
};

const RetrySchema = z.strictObject(RetryShape).superRefine((r, ctx) => {
  if (r.maximumIntervalSeconds < r.initialIntervalSeconds) {
    const message = `must be at least initialIntervalSeconds (${r.initialIntervalSeconds})`;
    ctx.addIssue({ code: "custom", path: ["maximumIntervalSeconds"], message });
  }
});

export const ExecutionShape = {
  pool: slug.default("cpu"),
  maxParallel: z
    .number()
    .superRefine((v, ctx) => {
      const message = maxParallelProblem(v);
      if (message) ctx.addIssue({ code: "custom", message, abort: true });
    })
    .default(8),
  retry: RetrySchema.prefault({}),
  trialTimeoutMinutes: positiveNumber.default(60),
  heartbeatTimeoutSeconds: positiveNumber.default(30),
  pack: z
    .union([z.literal("auto"), intAtMost(MAX_PACK)], {
      error: () => `must be "auto" or a whole number from 1 to ${MAX_PACK}`,
    })
    .default("auto"),
};

export const ExecutionSchema = z.strictObject(ExecutionShape).superRefine((e, ctx) => {
  if (e.heartbeatTimeoutSeconds >= e.trialTimeoutMinutes * 60) {
    const message = `must be shorter than trialTimeoutMinutes (${e.trialTimeoutMinutes} min)`;
    ctx.addIssue({ code: "custom", path: ["heartbeatTimeoutSeconds"], message });
  }
});
