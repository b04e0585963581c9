import { z } from "zod";
import { isRecord } from "../errors";
import { must, uniqueList } from "../fields";

/** Schemas for one key of the space: a list (grid axis) or a distribution (sampled). */

export const DISTRIBUTION_KINDS = ["uniform", "loguniform", "int", "choice"] as const;
type Kind = (typeof DISTRIBUTION_KINDS)[number];

export const DISTRIBUTION_KEYS = [...DISTRIBUTION_KINDS, "log", "step", "when"] as const;

/** What a key holds decides which distributions fit it. */
export type ValueKind = "float" | "int" | "categorical" | "any";

const KINDS_FOR: Record<ValueKind, readonly Kind[]> = {
  float: ["uniform", "loguniform", "choice"],
  int: ["int", "choice"],
  categorical: ["choice"],
  any: DISTRIBUTION_KINDS,
};

function wrongKind(key: string, valueKind: ValueKind): string {
  if (valueKind === "float")
    return "is for whole-number settings (batchSize, epochs); use uniform or loguniform";
  if (valueKind === "int")
    return `${key} is a whole number: use int (add log: true for a log scale)`;
  return `${key} takes listed values: use choice`;
}

/** A field that is never valid for this key, with the reason. */
const refused = (message: string) =>
  z
    .unknown()
    .refine(() => false, must(message))
    .optional();

const bounds = (item: z.ZodType) =>
  z
    .array(item)
    .refine((v) => v.length === 2, must("must be [low, high], two values"))
    .optional();

const wholeNumber = z.number().refine(Number.isSafeInteger, must("must be a whole number"));

/**
 * A distribution for `key`, whose values `item` validates: exactly one kind, bounds valid values
 * in increasing order, `log` and `step` only with int, `when` naming grid keys.
 */
export function distributionSchema(
  key: string,
  valueKind: ValueKind,
  item: z.ZodType,
  when: z.ZodType,
) {
  const kinds = KINDS_FOR[valueKind];
  const field = (kind: Kind, schema: z.ZodType) =>
    kinds.includes(kind) ? schema : refused(wrongKind(key, valueKind));
  const shape = {
    uniform: field("uniform", bounds(valueKind === "any" ? z.number() : item)),
    loguniform: field("loguniform", bounds(valueKind === "any" ? z.number() : item)),
    int: field("int", bounds(valueKind === "any" ? wholeNumber : item)),
    log: z.boolean().optional(),
    step: z
      .number()
      .refine((v) => Number.isSafeInteger(v) && v >= 1, must("must be a whole number, at least 1"))
      .optional(),
    choice: uniqueList(item, "must list at least one value").optional(),
    when: when.optional(),
  };
  return z.strictObject(shape).superRefine((d, ctx) => {
    const given = DISTRIBUTION_KINDS.filter((k) => d[k] !== undefined);
    if (given.length !== 1) {
      const message = `give exactly one of ${kinds.join(", ")}${given.length ? ` (got ${given.join(", ")})` : ""}`;
      ctx.addIssue({ code: "custom", message });
      return;
    }
    const kind = given[0] as Kind;
    for (const extra of ["log", "step"] as const) {
      if (d[extra] !== undefined && kind !== "int")
        ctx.addIssue({ code: "custom", path: [extra], message: "only applies to int" });
    }
    if (kind === "choice") return;
    const [low, high] = d[kind] as [number, number];
    if (!(low < high)) {
      const message = `low must be less than high (got [${low}, ${high}])`;
      ctx.addIssue({ code: "custom", path: [kind], message });
    } else if (kind === "loguniform" && low <= 0) {
      const message = "a log scale needs low > 0";
      ctx.addIssue({ code: "custom", path: [kind, 0], message });
    } else if (kind === "int" && d.step !== undefined && (high - low) % d.step !== 0) {
      const message = `must divide high - low (${high - low})`;
      ctx.addIssue({ code: "custom", path: ["step"], message });
    }
    if (kind === "int" && d.log && (d.step ?? 1) !== 1) {
      ctx.addIssue({ code: "custom", path: ["log"], message: "cannot be combined with step" });
    }
  });
}

/**
 * A key of the space: a list (or a lone value, meaning a one-value list) or a distribution
 * object. Each branch reports its own problems, at their own paths, as if it stood alone.
 */
export function axisSchema<L extends z.ZodType, D extends z.ZodType>(list: L, distribution: D) {
  return z.unknown().transform((value, ctx): z.output<L> | z.output<D> => {
    const result = (isRecord(value) ? distribution : list).safeParse(value);
    if (result.success) return result.data as z.output<L> | z.output<D>;
    // continue: false, as `must` does: cross-field checks around it see valid data only.
    for (const issue of result.error.issues) ctx.addIssue({ ...issue, continue: false } as never);
    return z.NEVER;
  });
}
