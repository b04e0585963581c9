/**
 * What kind of failure an error is decides what happens next: bad input is never retried and
 * exits 2, a transient fault is retried, an internal fault (a broken invariant) is not retried
 * and exits 1. Errors that are not a `HypersweepError` count as transient.
 */
export type ErrorKind = "bad-input" | "transient" | "internal";

export interface Disposition {
  retryable: boolean;
  exitCode: number;
}

/** The one table of dispositions: Temporal retries and CLI exit codes both read it. */
export const DISPOSITIONS: Readonly<Record<ErrorKind, Disposition>> = {
  "bad-input": { retryable: false, exitCode: 2 },
  transient: { retryable: true, exitCode: 1 },
  internal: { retryable: false, exitCode: 1 },
};

/**
 * The base of every hypersweep error: carries its kind (a static of the class, so the
 * non-retryable type list derives from the classes) and keeps the `cause` it wraps.
 *
 * @example
 * throw new DataError(`row 7: Height is not a number`, { cause: parseError });
 */
export abstract class HypersweepError extends Error {
  static readonly kind: ErrorKind = "internal";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // The class name is the error's type on the wire (Temporal failures, `--json` output).
    this.name = new.target.name;
  }

  get kind(): ErrorKind {
    return (this.constructor as typeof HypersweepError).kind;
  }

  get retryable(): boolean {
    return DISPOSITIONS[this.kind].retryable;
  }
}

/** Input a retry cannot fix (spec, data, flags, config): non-retryable, exit code 2. */
export abstract class BadInputError extends HypersweepError {
  static override readonly kind: ErrorKind = "bad-input";
}

/** A fault of something we depend on (a server down, a timeout): retried, exit code 1. */
export class TransientError extends HypersweepError {
  static override readonly kind: ErrorKind = "transient";
}

/** A broken invariant (a bug): never retried, exit code 1. */
export class InternalError extends HypersweepError {
  static override readonly kind: ErrorKind = "internal";
}

/** The disposition of any thrown value; foreign errors are treated as transient. */
export function dispositionOf(error: unknown): Disposition {
  return DISPOSITIONS[error instanceof HypersweepError ? error.kind : "transient"];
}
