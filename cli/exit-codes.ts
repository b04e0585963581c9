import { ConfigError } from "../config";

/** Exit codes: 0 done, 1 sweep finished with failed trials / runtime failure, 2 invalid input. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID_INPUT = 2;

/** An error the user caused (bad spec, bad flag, bad file): exit code 2, message only. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError) return EXIT_INVALID_INPUT;
  if (error instanceof Error && error.name === "SpecError") return EXIT_INVALID_INPUT;
  return EXIT_FAILED;
}

export function reportError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`hypersweep: ${message}\n`);
  if (process.env.HYPERSWEEP_DEBUG && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
}
