import { ApplicationFailure } from "@temporalio/common";
import { ERROR_CLASSES } from "./classes";
import { DISPOSITIONS, HypersweepError } from "./hypersweep-error";

/**
 * Failure types no retry can fix, for `nonRetryableErrorTypes`: the names of the classes whose
 * kind is not retryable. (`toApplicationFailure` also marks each failure itself.)
 */
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = ERROR_CLASSES.filter(
  (c) => !DISPOSITIONS[c.kind].retryable,
).map((c) => c.name);

/**
 * The one conversion of our errors to Temporal failures: type = class name, non-retryable
 * from the kind, the kind in `details`, the wrapped cause kept. Anything else passes through
 * (Temporal then retries it).
 *
 * @example
 * try { await loadData() } catch (e) { throw toApplicationFailure(e) }
 */
export function toApplicationFailure(error: unknown): unknown {
  if (!(error instanceof HypersweepError)) return error;
  return ApplicationFailure.create({
    message: error.message,
    type: error.name,
    nonRetryable: !error.retryable,
    details: [error.kind],
    ...(error.cause instanceof Error ? { cause: error.cause } : {}),
  });
}
