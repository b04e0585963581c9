/** How a sweep's trials are laid out in the report: which params vary, panels, configurations. */
import type { ParamValue } from "../spec/types";
import { formatParam, numberFormat } from "./format";

/** Seeds are replicates of one configuration, never a grouping axis. */
export const SEED_PARAM = "seed";

/** A bad `groupBy` (or similar) in the report input. */
export class ReportInputError extends Error {
  override name = "ReportInputError";
}

type WithParams = { params: Record<string, ParamValue> };

/** Sorted distinct values of one param: numbers numerically, then strings/booleans as text. */
export function distinctValues(items: WithParams[], param: string): ParamValue[] {
  const byKey = new Map<string, ParamValue>();
  for (const item of items) {
    const value = item.params[param];
    if (value !== undefined) byKey.set(valueKey(value), value);
  }
  return [...byKey.values()].sort(compareValues);
}

export function valueKey(value: ParamValue): string {
  return `${typeof value}:${String(value)}`;
}

export function compareValues(a: ParamValue, b: ParamValue): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

/** Param names in first-seen order. */
export function paramNames(items: WithParams[]): string[] {
  const names = new Set<string>();
  for (const item of items) for (const name of Object.keys(item.params)) names.add(name);
  return [...names];
}

/** Params with more than one distinct value (seed included). */
export function varyingParams(items: WithParams[]): string[] {
  return paramNames(items).filter((name) => distinctValues(items, name).length > 1);
}

/** The panel axis: the explicit choice, or the varying non-seed param with the most values. */
export function chooseGroupBy(items: WithParams[], requested?: string): string | undefined {
  if (requested !== undefined) {
    if (!paramNames(items).includes(requested)) {
      throw new ReportInputError(
        `groupBy "${requested}" is not a parameter of this sweep (have: ${paramNames(items).join(", ")})`,
      );
    }
    return requested;
  }
  let best: string | undefined;
  let bestCount = 1;
  for (const name of varyingParams(items)) {
    const count = distinctValues(items, name).length;
    if (name !== SEED_PARAM && count > bestCount) [best, bestCount] = [name, count];
  }
  return best;
}

/** Writes one param's value; `Axes.format` keeps one notation per param. */
export type ParamFormatter = (name: string, value: ParamValue) => string;

/** `name=value, name=value` over the given params; empty when there are none. */
export function configLabel(
  params: Record<string, ParamValue>,
  names: string[],
  format: ParamFormatter = (_, v) => formatParam(v),
): string {
  return names
    .filter((name) => params[name] !== undefined)
    .map((name) => `${name}=${format(name, params[name] as ParamValue)}`)
    .join(", ");
}

/** Every param's values in the spec's order, each written in one notation per param. */
export interface Axes {
  /** Param names in spec order (then any the spec order does not list). */
  names: string[];
  /** The distinct values of `param` among `items`, in spec order. */
  values(param: string, items?: WithParams[]): ParamValue[];
  /** Position of `value` on its axis, for sorting. */
  rank(param: string, value: ParamValue): number;
  format: ParamFormatter;
}

/**
 * The axes of a sweep. `specOrder` (the summary's `paramValues`, in expansion order) puts
 * panels, legends and columns in the order the user wrote them; values it lacks (an older
 * summary) follow, sorted.
 */
export function paramAxes(items: WithParams[], specOrder: Record<string, ParamValue[]> = {}): Axes {
  const names = [...new Set([...Object.keys(specOrder), ...paramNames(items)])].filter((n) =>
    items.some((item) => item.params[n] !== undefined),
  );
  const order = new Map<string, Map<string, number>>();
  const formats = new Map<string, (v: number | undefined) => string>();
  for (const name of names) {
    const listed = specOrder[name] ?? [];
    const rest = distinctValues(items, name).filter(
      (v) => !listed.some((l) => valueKey(l) === valueKey(v)),
    );
    const all = [...listed, ...rest];
    order.set(name, new Map(all.map((v, i) => [valueKey(v), i])));
    formats.set(name, numberFormat(all));
  }
  const rank = (param: string, value: ParamValue) =>
    order.get(param)?.get(valueKey(value)) ?? Number.MAX_SAFE_INTEGER;
  return {
    names,
    rank,
    values: (param, subset = items) =>
      distinctValues(subset, param).sort((a, b) => rank(param, a) - rank(param, b)),
    format: (name, value) => {
      const format = formats.get(name);
      return typeof value === "number" && format ? format(value) : formatParam(value);
    },
  };
}

/** Columns × rows for n small multiples: 4×2 for eight, 2×2 for four, at most four columns. */
export function gridShape(n: number): { rows: number; cols: number } {
  const cols = n <= 3 ? Math.max(n, 1) : n <= 8 ? 2 : Math.min(4, Math.ceil(Math.sqrt(n)));
  return { rows: Math.ceil(n / cols), cols };
}

/**
 * The header's `fixed:` text: params with one value across the sweep. One that only some
 * trials have (momentum on sgd, not adam) says which trials it applies to, never more.
 */
export function fixedLabel(items: WithParams[], axes: Axes): string {
  const varying = varyingParams(items);
  return axes.names
    .filter((name) => !varying.includes(name))
    .map((name) => {
      const holders = items.filter((item) => item.params[name] !== undefined);
      const text = `${name}=${axes.format(name, holders[0]?.params[name] as ParamValue)}`;
      return holders.length === items.length ? text : `${text} (${scopeOf(holders, items, axes)})`;
    })
    .join(", ");
}

/** `optimizer=sgd only` when a varying param separates the holders; else `4 of 12 trials`. */
function scopeOf(holders: WithParams[], items: WithParams[], axes: Axes): string {
  const others = items.filter((item) => !holders.includes(item));
  for (const name of varyingParams(items).filter((n) => n !== SEED_PARAM)) {
    const inside = axes.values(name, holders);
    const outside = new Set(axes.values(name, others).map(valueKey));
    if (inside.every((v) => !outside.has(valueKey(v)))) {
      return `${name}=${inside.map((v) => axes.format(name, v)).join(" | ")} only`;
    }
  }
  return `${holders.length} of ${items.length} trials`;
}
