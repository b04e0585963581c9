import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandTrials, parseSpec, SpecError, type SpecProblem } from "../../../spec";
import { loadSpecFile } from "../../../spec/file";
import { trialIdOf } from "../../../spec/trial-id";
import { type RawSpec, rawSpec } from "./fixtures";

function problemsOf(raw: unknown): Array<[string, string]> {
  try {
    parseSpec(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems.map((p: SpecProblem) => [p.path, p.message]);
  }
  throw new Error("expected the spec to be rejected");
}

const withGrid = (grid: Record<string, unknown>): RawSpec => {
  const raw = rawSpec();
  Object.assign(raw.grid, grid);
  return raw;
};

describe("model, training and free parameters in the space", () => {
  it("varies hidden (lists of widths), activation, dropout, l2, epochs and batchSize per trial", () => {
    const raw = withGrid({
      learningRate: [0.01],
      hidden: [[64], [128, 64]],
      activation: ["relu", "tanh"],
      dropout: [0, 0.2],
      l2: [1e-4],
      epochs: [3],
      batchSize: [16],
      seed: [1],
    });
    const trials = expandTrials(parseSpec(raw));
    expect(trials).toHaveLength(8);
    const last = trials[7]!;
    expect(last.params).toEqual({
      optimizer: "sgd",
      learningRate: 0.01,
      hidden: "128-64",
      activation: "tanh",
      dropout: 0.2,
      l2: 1e-4,
      epochs: 3,
      batchSize: 16,
      seed: 1,
    });
    expect(last.config.model).toEqual({
      type: "mlp",
      hidden: [128, 64],
      activation: "tanh",
      dropout: 0.2,
      l2: 1e-4,
    });
    expect(last.config.epochs).toBe(3);
    expect(trials[0]!.config.model).not.toHaveProperty("dropout");
    expect(new Set(trials.map((t) => t.trialId)).size).toBe(8);
    for (const t of trials) expect(trialIdOf(t.config)).toBe(t.trialId);
  });

  it("keeps trial ids when dropout and l2 are 0 or absent", () => {
    const plain = expandTrials(parseSpec(rawSpec()));
    const zero = rawSpec();
    zero.model.dropout = 0;
    zero.grid.l2 = [0];
    expect(expandTrials(parseSpec(zero)).map((t) => t.trialId)).toEqual(
      plain.map((t) => t.trialId),
    );
  });

  it("passes free parameters (fixed and varied) to the trial config and its id", () => {
    const raw = withGrid({ learningRate: [0.01], seed: [1], params: { width_mult: [1, 2] } });
    raw.params = { note: "x" };
    const trials = expandTrials(parseSpec(raw));
    expect(trials.map((t) => t.params)).toEqual([
      { optimizer: "sgd", learningRate: 0.01, width_mult: 1, seed: 1 },
      { optimizer: "sgd", learningRate: 0.01, width_mult: 2, seed: 1 },
    ]);
    expect(trials[1]!.config.params).toEqual({ note: "x", width_mult: 2 });
    expect(trials[0]!.trialId).not.toBe(trials[1]!.trialId);
    expect(trialIdOf(trials[1]!.config)).toBe(trials[1]!.trialId);
  });

  it("samples free parameters and model keys from distributions", () => {
    const raw = withGrid({
      learningRate: [0.01],
      seed: [1],
      dropout: { uniform: [0, 0.5] },
      hidden: { choice: [[8], [16, 8]] },
      params: { depth_mult: { int: [1, 4] } },
    });
    raw.search = { method: "random", trials: 5, seed: 3 };
    const trials = expandTrials(parseSpec(raw));
    expect(trials).toHaveLength(5);
    for (const t of trials) {
      expect(["8", "16-8"]).toContain(t.params.hidden);
      expect(t.config.params?.depth_mult).toBeGreaterThanOrEqual(1);
    }
  });

  const cases: Array<[string, RawSpec, Array<[string, string]>]> = [
    [
      "a bare width instead of a list of widths",
      withGrid({ hidden: [64, [128, 64]] }),
      [["grid.hidden[0]", "each value is a list of layer widths, e.g. [[64], [128, 64]] (got 64)"]],
    ],
    [
      "widths, depth, epochs, dropout and l2 out of bounds",
      withGrid({
        hidden: [[0], [9000], Array(33).fill(4)],
        epochs: [200000],
        dropout: [1],
        l2: [-1],
      }),
      [
        ["grid.hidden[0][0]", "must be a whole number, at least 1"],
        ["grid.hidden[1][0]", "must be at most 8192"],
        ["grid.hidden[2]", "must list at most 32 hidden layers"],
        ["grid.dropout[0]", "must be at least 0 and less than 1"],
        ["grid.l2[0]", "must be zero or more"],
        ["grid.epochs[0]", "must be at most 100000"],
      ],
    ],
    [
      "MLP keys on a linear model",
      (() => {
        const raw = withGrid({ hidden: [[8]], dropout: [0.1] });
        raw.model = { type: "linear" };
        raw.dataset.task = "regression";
        delete raw.dataset.numClasses;
        return raw;
      })(),
      [
        ["grid.hidden", "varies the built-in MLP; model type linear has no hidden"],
        ["grid.dropout", "varies the built-in MLP; model type linear has no dropout"],
      ],
    ],
    [
      "a free parameter named like a grid key, and one given twice",
      (() => {
        const raw = withGrid({ params: { seed: [1], width: [1, 2] } });
        raw.params = { width: 3 };
        return raw;
      })(),
      [
        ["grid.params.seed", "is a grid key; free parameters need names of their own"],
        ["grid.params.width", "is also fixed in the top-level params; give it in one place"],
      ],
    ],
    [
      "a free parameter given fixed and varied",
      (() => {
        const raw = withGrid({ params: { width: [1, 2] } });
        raw.params = { width: 3 };
        return raw;
      })(),
      [["grid.params.width", "is also fixed in the top-level params; give it in one place"]],
    ],
  ];

  it.each(cases)("rejects %s, naming each path", (_title, raw, expected) => {
    expect(problemsOf(raw)).toEqual(expected);
  });

  it("gives a bad hidden value in a YAML file its line", async () => {
    const folder = await mkdtemp(join(tmpdir(), "hypersweep-params-"));
    const file = join(folder, "bad.yaml");
    const text = [
      "name: bad", // 1
      "dataset: { path: a.csv, features: [a], target: b, task: regression, split: { head: 3 } }", // 2
      "model: { type: mlp, hidden: [8] }", // 3
      "training: { epochs: 5 }", // 4
      "grid:", // 5
      "  optimizer: [sgd]", // 6
      "  hidden:", // 7
      "    - [64]", // 8
      "    - [128, 0]", // 9
    ].join("\n");
    await writeFile(file, text);
    const error = await loadSpecFile(file).catch((e: unknown) => e);
    expect((error as SpecError).problems).toEqual([
      { path: "grid.hidden[1][1]", message: "must be a whole number, at least 1", line: 9 },
    ]);
  });
});
