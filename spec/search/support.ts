import type { SweepSpec } from "../types";

/**
 * The validated parts of a spec that the sweep workflow does not act on yet (TPE proposals,
 * early stopping, budgets), as the spec writes them. Callers refuse such a spec rather than
 * silently running it as a plain sweep.
 *
 * @example notYetRunnable(spec) // ["search.method: tpe", "earlyStopping"]
 */
export function notYetRunnable(spec: SweepSpec): string[] {
  const found: string[] = [];
  if (spec.search?.method === "tpe") found.push("search.method: tpe");
  if (spec.earlyStopping) found.push("earlyStopping");
  if (spec.budget) found.push("budget");
  return found;
}
