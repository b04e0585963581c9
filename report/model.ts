/** How a sweep's trials are laid out in the report: which params vary, panels, configurations. */
import type { ParamValue } from "../spec/types";
import { formatParam } from "./format";

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

/** `name=value, name=value` over the given params; empty when there are none. */
export function configLabel(params: Record<string, ParamValue>, names: string[]): string {
  return names
    .filter((name) => params[name] !== undefined)
    .map((name) => `${name}=${formatParam(params[name] as ParamValue)}`)
    .join(", ");
}

/** Columns × rows for n small multiples: 4×2 for eight, 2×2 for four, at most four columns. */
export function gridShape(n: number): { rows: number; cols: number } {
  const cols = n <= 3 ? Math.max(n, 1) : n <= 8 ? 2 : Math.min(4, Math.ceil(Math.sqrt(n)));
  return { rows: Math.ceil(n / cols), cols };
}
