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

/** Why such a spec is refused, or undefined when it can run. */
export function notYetRunnableMessage(spec: SweepSpec): string | undefined {
  const pending = notYetRunnable(spec);
  if (pending.length === 0) return undefined;
  const [verb, them] = pending.length > 1 ? ["are", "them"] : ["is", "it"];
  return `${pending.join(", ")} ${verb} not yet supported by the sweep workflow (the spec is valid; remove ${them} to run it)`;
}
