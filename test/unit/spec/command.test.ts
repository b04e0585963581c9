import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandTrials, parseSpec, SpecError, type SpecProblem } from "../../../spec";
import { fillPlaceholders, placeholdersOf } from "../../../spec/command";
import { loadSpecFile } from "../../../spec/file";
import { type RawSpec, rawSpec } from "./fixtures";

const CODE = `s3://code/${"a".repeat(64)}/bundle.json`;

function commandSpec(trainable: Record<string, unknown> = {}): RawSpec {
  const { model: _built, ...rest } = rawSpec();
  return {
    ...rest,
    trainable: { command: ["python3", "train.py", "--lr={learningRate}"], ...trainable },
  };
}

function problemsOf(raw: unknown): SpecProblem[] {
  try {
    parseSpec(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems;
  }
  throw new Error("expected the spec to be rejected");
}

describe("trainable: a command trial in the spec", () => {
  it("is model type command with its defaults, and parses again to the same spec", () => {
    const spec = parseSpec(commandSpec());
    expect(spec.model).toEqual({
      type: "command",
      command: ["python3", "train.py", "--lr={learningRate}"],
      code: ".",
      metrics: "stdout",
      reportTimeoutSeconds: 300,
      killGraceSeconds: 10,
    });
    expect(parseSpec(spec)).toEqual(spec);
  });

  it("names the trial by command, code hash and env, not by how the process is watched", () => {
    const id = (t: Record<string, unknown>) =>
      expandTrials(parseSpec(commandSpec({ code: CODE, ...t })))[0]!.trialId;
    const base = id({});
    expect(id({ reportTimeoutSeconds: 5, killGraceSeconds: 1, metrics: "file" })).toBe(base);
    expect(id({ code: `s3://code/${"b".repeat(64)}/bundle.json` })).not.toBe(base);
    expect(id({ command: ["python3", "other.py"] })).not.toBe(base);
    expect(id({ env: { EPOCH_SLEEP: "1" } })).not.toBe(base);
    const mlp = expandTrials(parseSpec(rawSpec()))[0]!.trialId;
    expect(base).not.toBe(mlp);
  });

  it("reports problems under trainable, with their paths", () => {
    expect(problemsOf(commandSpec({ command: [] }))).toEqual([
      {
        path: "trainable.command",
        message: "must list the program and its arguments, e.g. [python3, train.py]",
      },
    ]);
    expect(
      problemsOf(commandSpec({ command: ["python3", "t.py", "--x={wdith}"] }))[0],
    ).toMatchObject({
      path: "trainable.command[2]",
      message: expect.stringMatching(/^\{wdith\} is not a trial parameter \(known: .*learningRate/),
    });
    expect(problemsOf(commandSpec({ comand: ["x"] }))).toContainEqual({
      path: "trainable.comand",
      message: 'unknown key (did you mean "command"?)',
    });
    expect(problemsOf(commandSpec({ env: { HYPERSWEEP_X: "1" } }))[0]?.path).toBe(
      "trainable.env.HYPERSWEEP_X",
    );
    expect(problemsOf(commandSpec({ reportTimeoutSeconds: 0 }))).toEqual([
      { path: "trainable.reportTimeoutSeconds", message: "must be a positive number" },
    ]);
  });

  it("refuses a built-in model beside it, and MLP keys in the grid", () => {
    expect(problemsOf({ ...commandSpec(), model: { type: "mlp", hidden: [4] } })).toEqual([
      {
        path: "trainable",
        message: "give either model (built in) or trainable (a command), not both",
      },
    ]);
    const raw = commandSpec();
    raw.grid.hidden = [[8], [16]];
    expect(problemsOf(raw)[0]).toMatchObject({
      path: "grid.hidden",
      message: expect.stringContaining("vary your own settings under grid.params"),
    });
  });

  it("accepts free params as placeholders", () => {
    const raw = commandSpec({ command: ["python3", "t.py", "--width={width}", "{{literal}}"] });
    raw.grid.params = { width: [8, 16] };
    expect(expandTrials(parseSpec(raw)).map((t) => t.params.width)).toContain(16);
  });

  it("names the line of a problem in a YAML file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hypersweep-command-"));
    const path = join(dir, "sweep.yaml");
    writeFileSync(
      path,
      `name: c
dataset: { path: d.csv, features: [x], target: y, task: regression, split: { head: 2 } }
trainable:
  command: [python3, train.py]
  killGraceSeconds: -1
training: { epochs: 2 }
grid: { optimizer: [sgd], seed: [1] }
`,
    );
    const error = await loadSpecFile(path).catch((e: unknown) => e);
    expect((error as SpecError).problems).toEqual([
      { path: "trainable.killGraceSeconds", message: "must be a positive number", line: 5 },
    ]);
  });
});

describe("command argument placeholders", () => {
  it("fills known names and keeps doubled braces literal", () => {
    expect(placeholdersOf("--lr={learningRate}/{{x}}")).toEqual(["learningRate"]);
    expect(fillPlaceholders("--lr={learningRate}/{{x}}", { learningRate: "0.1" })).toBe(
      "--lr=0.1/{x}",
    );
  });
});
