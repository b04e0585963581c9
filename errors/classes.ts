import { BadInputError, InternalError, TransientError } from "./hypersweep-error";

/** An error the user caused through the CLI or the client API (bad flag, id or file). */
export class UsageError extends BadInputError {}

/** Bad environment or config file (a malformed variable, an unreadable credentials file). */
export class ConfigError extends BadInputError {}

/** Bad input data (missing column, bad cell, label out of range, too few rows). */
export class DataError extends BadInputError {}

/** A trial config the engine cannot train (e.g. a linear model on a classification task). */
export class TrainingConfigError extends BadInputError {}

/**
 * A command trial's process failed in a way no retry fixes: its executable is missing, it exited
 * with an error, it wrote a malformed protocol line or stopped reporting.
 */
export class CommandError extends BadInputError {}

/**
 * A user's model module that cannot be used: it does not bundle, throws, returns something
 * that is not a model, does not fit the data, or its bundle fails its hash check.
 */
export class ModelModuleError extends BadInputError {}

/** One thing wrong with a spec: where (`grid.learningRate[2]`) and what (`must be a positive number`). */
export interface SpecProblem {
  /** Dotted path into the spec; `""` for the spec as a whole. */
  path: string;
  message: string;
  /** 1-based line in the spec file, when the spec came from a YAML or JSON file. */
  line?: number;
}

/**
 * An invalid spec, with every problem found (not just the first).
 *
 * @example
 * try { parseSpec(raw) } catch (e) { if (e instanceof SpecError) console.log(e.problems) }
 */
export class SpecError extends BadInputError {
  readonly problems: SpecProblem[];
  readonly origin: string | undefined;

  constructor(problems: SpecProblem[], origin?: string, options?: ErrorOptions) {
    super(formatProblems(problems, origin), options);
    this.problems = problems;
    this.origin = origin;
  }
}

function formatProblems(problems: SpecProblem[], origin?: string): string {
  const where = origin === undefined ? "" : ` ${origin}`;
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = problems.map((p) => {
    const line = p.line === undefined ? undefined : `line ${p.line}`;
    const where = p.path ? `${p.path}${line ? ` (${line})` : ""}` : (line ?? "(spec)");
    return `  ${where}: ${p.message}`;
  });
  return [`invalid spec${where}: ${count}`, ...lines].join("\n");
}

/** Every concrete error class; Temporal's non-retryable type list is derived from it. */
export const ERROR_CLASSES = [
  UsageError,
  ConfigError,
  DataError,
  TrainingConfigError,
  CommandError,
  ModelModuleError,
  SpecError,
  TransientError,
  InternalError,
] as const;
