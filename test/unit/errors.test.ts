import { ApplicationFailure } from "@temporalio/common";
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../cli/exit-codes";
import { ConfigError as ConfigErrorFromConfig } from "../../config";
import {
  BadInputError,
  CommandError,
  ConfigError,
  DataError,
  dispositionOf,
  InternalError,
  ModelModuleError,
  NON_RETRYABLE_ERROR_TYPES,
  SpecError,
  TrainingConfigError,
  TransientError,
  toApplicationFailure,
  UsageError,
} from "../../errors";
import { SpecError as SpecErrorFromSpec } from "../../spec";
import { NON_RETRYABLE_ERRORS } from "../../workflows/definitions";

const badInput = [
  new UsageError("bad flag"),
  new ConfigError("bad variable"),
  new DataError("row 7: Height is not a number"),
  new TrainingConfigError("linear needs regression"),
  new CommandError("train.py exited with code 1"),
  new ModelModuleError("model module net.ts: buildModel threw: boom"),
  new SpecError([{ path: "grid.learningRate[1]", message: "must be a positive number" }]),
];

describe("the error vocabulary", () => {
  it("gives every bad-input error its kind, no retry and exit code 2", () => {
    for (const error of badInput) {
      expect(error).toBeInstanceOf(BadInputError);
      expect(error.kind).toBe("bad-input");
      expect(error.retryable).toBe(false);
      expect(exitCodeOf(error)).toBe(2);
    }
  });

  it("retries transient and foreign errors, never internal ones; both exit 1", () => {
    expect(dispositionOf(new TransientError("S3 down"))).toEqual({ retryable: true, exitCode: 1 });
    expect(dispositionOf(new Error("ECONNRESET"))).toEqual({ retryable: true, exitCode: 1 });
    expect(dispositionOf(new InternalError("bookkeeping"))).toEqual({
      retryable: false,
      exitCode: 1,
    });
  });

  it("names each error after its class, the type Temporal sees", () => {
    expect(badInput.map((e) => e.name)).toEqual([
      "UsageError",
      "ConfigError",
      "DataError",
      "TrainingConfigError",
      "CommandError",
      "ModelModuleError",
      "SpecError",
    ]);
  });

  it("derives the workflow's non-retryable list from the classes", () => {
    expect([...NON_RETRYABLE_ERROR_TYPES].sort()).toEqual(
      [...badInput.map((e) => e.name), "InternalError"].sort(),
    );
    expect(NON_RETRYABLE_ERRORS).toEqual([...NON_RETRYABLE_ERROR_TYPES]);
    expect(NON_RETRYABLE_ERROR_TYPES).not.toContain("TransientError");
  });

  it("keeps one class per error where spec/ and config/ re-export it", () => {
    expect(SpecErrorFromSpec).toBe(SpecError);
    expect(ConfigErrorFromConfig).toBe(ConfigError);
  });

  it("maps commander's parse errors to 2 and its help to 0", () => {
    expect(exitCodeOf(new CommanderError(1, "commander.unknownCommand", "unknown"))).toBe(2);
    expect(exitCodeOf(new CommanderError(0, "commander.helpDisplayed", "help"))).toBe(0);
  });
});

describe("toApplicationFailure", () => {
  it("turns bad input into a non-retryable failure typed by class, keeping the cause", () => {
    const cause = new SyntaxError("Unexpected token");
    const failure = toApplicationFailure(new DataError("row 3: bad cell", { cause }));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const f = failure as ApplicationFailure;
    expect(f.type).toBe("DataError");
    expect(f.message).toBe("row 3: bad cell");
    expect(f.nonRetryable).toBe(true);
    expect(f.details).toEqual(["bad-input"]);
    expect(f.cause).toBe(cause);
  });

  it("leaves transient errors retryable and foreign errors untouched", () => {
    const transient = toApplicationFailure(new TransientError("S3 unreachable"));
    expect((transient as ApplicationFailure).nonRetryable).toBe(false);
    const foreign = new Error("ECONNREFUSED");
    expect(toApplicationFailure(foreign)).toBe(foreign);
  });
});
