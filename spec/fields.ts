import { z } from "zod";
import { describe } from "./errors";
import { OPTIMIZER_NAMES } from "./optimizer-defaults";
import type { OptimizerName } from "./types";

/**
 * A check's message. `abort` keeps a bad value from reaching the checks of the objects around
 * it (zod runs those after non-aborting refinements), so cross-field checks see valid data only.
 */
export function must(message: string): { error: string; abort: true } {
  return { error: message, abort: true };
}

/** Field schemas with the messages users see. zod's number already rejects NaN and ±Infinity. */
export const positiveNumber = z.number().refine((v) => v > 0, must("must be a positive number"));

export const nonNegativeNumber = z.number().refine((v) => v >= 0, must("must be zero or more"));

/** Momentum, betas, rho: a fraction in [0, 1). */
export const fraction = z
  .number()
  .refine((v) => v >= 0 && v < 1, must("must be at least 0 and less than 1"));

export const positiveInt = z
  .number()
  .refine((v) => Number.isSafeInteger(v) && v >= 1, must("must be a whole number, at least 1"));

export const seedInt = z
  .number()
  .refine((v) => Number.isSafeInteger(v) && v >= 0, must("must be a whole number, 0 or more"));

export const optimizerName = z
  .string()
  .refine((v) => (OPTIMIZER_NAMES as readonly string[]).includes(v), {
    error: (issue) =>
      `unknown optimizer ${describe(issue.input)}; allowed: ${OPTIMIZER_NAMES.join(", ")}`,
    abort: true,
  })
  .transform((v) => v as OptimizerName);

/** A name usable in ids and task queues. */
export const slug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/,
    must(
      "must be lowercase letters, digits and dashes (at most 48, not starting or ending with a dash)",
    ),
  );

/** Items equal by value, for duplicate detection (0.1 and 1e-1 are the same). */
function duplicatesIn(values: readonly unknown[]): Array<[index: number, first: number]> {
  const seen = new Map<unknown, number>();
  const found: Array<[number, number]> = [];
  values.forEach((value, index) => {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else found.push([index, first]);
  });
  return found;
}

/** A list with no repeated values; each repeat is reported at its own index. */
export function uniqueList<T extends z.ZodType>(item: T, emptyMessage: string) {
  return z
    .array(item)
    .min(1, must(emptyMessage))
    .superRefine((values, ctx) => {
      for (const [index, first] of duplicatesIn(values)) {
        ctx.addIssue({
          code: "custom",
          path: [index],
          message: `duplicate value ${describe(values[index])} (already at index ${first})`,
          continue: false,
        });
      }
    });
}

/** A grid axis: a non-empty list of distinct values; a lone scalar means a one-value list. */
export function gridList<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) => (v === undefined || Array.isArray(v) ? v : [v]),
    uniqueList(item, "must list at least one value"),
  );
}

/** Bounds on the built-in MLP and training length: beyond them a typo is likelier than intent. */
export const MAX_WIDTH = 8192;
export const MAX_DEPTH = 32;
export const MAX_EPOCHS = 100_000;

export const epochsInt = positiveInt.refine(
  (v) => v <= MAX_EPOCHS,
  must(`must be at most ${MAX_EPOCHS}`),
);

const width = positiveInt.refine((v) => v <= MAX_WIDTH, must(`must be at most ${MAX_WIDTH}`));

/** model.hidden: one width per hidden layer. */
export const hiddenWidths = z
  .array(width)
  .min(1, must("must list at least one hidden layer size"))
  .max(MAX_DEPTH, must(`must list at most ${MAX_DEPTH} hidden layers`));

/** How a list of widths reads as one grid value: `[128, 64]` is `"128-64"`. */
export const hiddenLabel = (widths: readonly number[]): string => widths.join("-");

/** `"128-64"` back to `[128, 64]`. */
export const hiddenWidthsOf = (label: string): number[] => label.split("-").map(Number);

/**
 * One grid value of `hidden`: a list of widths (or its `128-64` form, which a stored spec holds),
 * kept as the string so it compares, prints and labels like any other value.
 */
export const hiddenValue = z.unknown().transform((v, ctx): string => {
  const widths = typeof v === "string" && /^\d+(-\d+)*$/.test(v) ? hiddenWidthsOf(v) : v;
  if (!Array.isArray(widths)) {
    const message = `each value is a list of layer widths, e.g. [[64], [128, 64]] (got ${describe(v)})`;
    ctx.addIssue({ code: "custom", message, continue: false });
    return z.NEVER;
  }
  const result = hiddenWidths.safeParse(widths);
  if (result.success) return hiddenLabel(result.data);
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, continue: false } as never);
  return z.NEVER;
});

export const activationName = z.enum(["relu", "tanh", "sigmoid", "elu", "linear"]);

/** Keras Dropout rate: in [0, 1) (1 would drop everything). */
export const dropoutRate = fraction;

/** A free user parameter's name: an identifier, so it reads the same in every language. */
export const paramName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, must("must be an identifier (letters, digits, _)"));

/** A free user parameter's value. */
export const paramValue = z.union([z.number(), z.string(), z.boolean()], {
  error: (issue) => `must be a number, a string or true/false (got ${describe(issue.input)})`,
});
