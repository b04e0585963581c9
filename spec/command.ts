import { z } from "zod";
import { must, positiveNumber } from "./fields";
import type { CommandModel, ModelConfig } from "./types";

/** Command trials (`trainable:`): their schema, argument placeholders and the id-relevant part. */

/** The names an argument placeholder may use besides the trial's params. */
export const COMMAND_PLACEHOLDERS = [
  "trialId",
  "epochs",
  "batchSize",
  "seed",
  "checkpointDir",
  "trialFile",
] as const;

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, must("must be an environment variable name"))
  .refine((v) => !v.startsWith("HYPERSWEEP_"), must("HYPERSWEEP_ variables are set by hypersweep"));

export const CommandShape = {
  type: z.literal("command"),
  command: z
    .array(z.string().min(1, must("must not be empty")))
    .min(1, must("must list the program and its arguments, e.g. [python3, train.py]")),
  code: z.string().min(1, must("must not be empty")).default("."),
  env: z.record(envName, z.string()).optional(),
  metrics: z.enum(["stdout", "file"]).default("stdout"),
  reportTimeoutSeconds: positiveNumber.default(300),
  killGraceSeconds: positiveNumber.default(10),
};

/** `{name}` placeholders of an argument (`{{` and `}}` are literal braces). */
export function placeholdersOf(arg: string): string[] {
  return [
    ...arg
      .replaceAll("{{", "")
      .replaceAll("}}", "")
      .matchAll(/\{([^{}]*)\}/g),
  ].map((m) => m[1] ?? "");
}

/** An argument with its placeholders replaced; an unknown name is left for the spec check to catch. */
export function fillPlaceholders(arg: string, values: Record<string, string>): string {
  return arg.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (all, name: string | undefined) => {
    if (all === "{{") return "{";
    if (all === "}}") return "}";
    return name !== undefined && name in values ? (values[name] ?? "") : all;
  });
}

/** The spec keys the alias `trainable:` stands for: `model: { type: command, ... }`. */
export const TRAINABLE_KEY = "trainable";

/**
 * The raw spec with `trainable:` moved under `model:` (type command), and whether it was; a spec
 * with both keeps both, for the schema to report.
 */
export function withTrainableAsModel(raw: unknown): { raw: unknown; aliased: boolean } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { raw, aliased: false };
  const record = raw as Record<string, unknown>;
  const trainable = record[TRAINABLE_KEY];
  if (trainable === undefined || record.model !== undefined) return { raw, aliased: false };
  const { [TRAINABLE_KEY]: _moved, ...rest } = record;
  const model =
    typeof trainable === "object" && trainable !== null && !Array.isArray(trainable)
      ? { type: "command", ...trainable }
      : trainable;
  return { raw: { ...rest, model }, aliased: true };
}

/** What of a command model is part of the trial id: what the process runs, not how it is watched. */
export function idPartOf(
  model: ModelConfig,
): ModelConfig | Omit<CommandModel, "metrics" | "reportTimeoutSeconds" | "killGraceSeconds"> {
  if (model.type !== "command") return model;
  const { metrics: _m, reportTimeoutSeconds: _r, killGraceSeconds: _k, ...part } = model;
  return part;
}
