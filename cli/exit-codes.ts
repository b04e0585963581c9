import { CommanderError } from "commander";
import { DISPOSITIONS, dispositionOf } from "../errors";

/** Exit codes: 0 done, 1 sweep finished with failed trials / runtime failure, 2 invalid input. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID_INPUT = DISPOSITIONS["bad-input"].exitCode;

/**
 * The one mapping from a thrown value to the process's exit code: an error's kind decides
 * (errors/), and commander's own parse errors (unknown option, bad argument) are bad input.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_INVALID_INPUT;
  return dispositionOf(error).exitCode;
}

/** One line on stderr (commander has printed its own); the stack only with HYPERSWEEP_DEBUG. */
export function reportError(error: unknown): void {
  if (error instanceof CommanderError) return;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`hypersweep: ${message}\n`);
  if (process.env.HYPERSWEEP_DEBUG && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
}
