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
