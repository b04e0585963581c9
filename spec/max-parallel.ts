/** Temporal caps pending activities per workflow at 2,000. */
export const MAX_PARALLEL = 2000;

/**
 * The one `maxParallel` rule, shared by the spec schema, the CLI and the workflow's update
 * validator: the problem with `value`, or undefined when it is valid.
 *
 * @example maxParallelProblem(0) // "must be a whole number, at least 1"
 */
export function maxParallelProblem(value: unknown): string | undefined {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    return "must be a whole number, at least 1";
  }
  return value > MAX_PARALLEL ? `must be at most ${MAX_PARALLEL}` : undefined;
}
