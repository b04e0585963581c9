import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSpec, SpecError, type SpecProblem } from "../../../spec";
import { loadSpecFile } from "../../../spec/file";
import { type RawSpec, rawSpec } from "./fixtures";

function problemsOf(raw: unknown): SpecProblem[] {
  try {
    parseSpec(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems;
  }
  throw new Error("expected the spec to be rejected");
}

const random = (s: RawSpec) => (s.search = { method: "random", trials: 4 });

/** [title, how to break the valid fixture, the exact problems expected]. */
const cases: Array<[string, (s: RawSpec) => unknown, Array<[string, string]>]> = [
  [
    "a misspelt distribution, with a suggestion",
    (s) => {
      random(s);
      s.grid.learningRate = { logUniform: [1e-4, 0.1] };
    },
    [
      ["grid.learningRate.logUniform", 'unknown key (did you mean "loguniform"?)'],
      ["grid.learningRate", "give exactly one of uniform, loguniform, choice"],
    ],
  ],
  [
    "two kinds at once",
    (s) => {
      random(s);
      s.grid.learningRate = { uniform: [0.1, 0.2], choice: [0.1] };
    },
    [
      [
        "grid.learningRate",
        "give exactly one of uniform, loguniform, choice (got uniform, choice)",
      ],
    ],
  ],
  [
    "bounds out of order, and a log scale from 0",
    (s) => {
      random(s);
      s.grid.learningRate = { uniform: [0.1, 0.01] };
      s.grid.momentum = { loguniform: [0, 0.9] };
    },
    [
      ["grid.learningRate.uniform", "low must be less than high (got [0.1, 0.01])"],
      ["grid.momentum.loguniform[0]", "a log scale needs low > 0"],
    ],
  ],
  [
    "bounds outside what the setting accepts",
    (s) => {
      random(s);
      s.grid.momentum = { uniform: [0, 1.5] };
      s.grid.learningRate = { loguniform: [-1, 0.1, 1] };
    },
    [
      ["grid.learningRate.loguniform[0]", "must be a positive number"],
      ["grid.momentum.uniform[1]", "must be at least 0 and less than 1"],
    ],
  ],
  [
    "a distribution that does not fit the setting",
    (s) => {
      random(s);
      s.grid.momentum = { int: [1, 3] };
      s.grid.batchSize = { uniform: [8, 64] };
      s.grid.nesterov = { uniform: [0, 1] };
    },
    [
      [
        "grid.momentum.int",
        "is for whole-number settings (batchSize, epochs); use uniform or loguniform",
      ],
      ["grid.nesterov.uniform", "nesterov takes listed values: use choice"],
      [
        "grid.batchSize.uniform",
        "batchSize is a whole number: use int (add log: true for a log scale)",
      ],
    ],
  ],
  [
    "int options that do not fit",
    (s) => {
      random(s);
      s.grid.batchSize = { int: [8, 64], step: 5, log: true };
      s.grid.learningRate = { uniform: [0.01, 0.1], step: 2 };
    },
    [
      ["grid.learningRate.step", "only applies to int"],
      ["grid.batchSize.step", "must divide high - low (56)"],
      ["grid.batchSize.log", "cannot be combined with step"],
    ],
  ],
  [
    "sampled seeds",
    (s) => {
      random(s);
      s.grid.learningRate = { loguniform: [1e-4, 0.1] };
      s.grid.seed = { int: [1, 3] };
    },
    [["grid.seed", "seeds are replicates: list them (e.g. [1, 2, 3]); they are not sampled"]],
  ],
  [
    "a distribution without a sampler",
    (s) => (s.grid.learningRate = { loguniform: [1e-4, 0.1] }),
    [
      [
        "grid.learningRate",
        "is a distribution; sampling needs search: {method: random, trials: N} (or method tpe)",
      ],
    ],
  ],
  [
    "a sampler without a distribution, and no trials",
    (s) => (s.search = { method: "random" }),
    [["search.trials", "is required: how many points to sample"]],
  ],
  [
    "random search over lists only",
    random,
    [
      [
        "search.method",
        "random search needs at least one distribution in grid, e.g. learningRate: {loguniform: [1e-4, 0.1]}",
      ],
    ],
  ],
  [
    "search keys that do not fit the method",
    (s) => (s.search = { method: "grid", trials: 3, startupTrial: 2 }),
    [
      ["search.startupTrial", 'unknown key (did you mean "startupTrials"?)'],
      ["search.trials", "only applies to methods random and tpe"],
    ],
  ],
  [
    "tpe with no trial left to propose",
    (s) => {
      s.grid.learningRate = { loguniform: [1e-4, 0.1] };
      s.search = { method: "tpe", trials: 8, startupTrials: 8 };
    },
    [
      [
        "search.startupTrials",
        "must be less than search.trials (8); with no trial left for TPE to propose, use method random",
      ],
    ],
  ],
  [
    "conditions that could never hold",
    (s) => {
      random(s);
      s.grid.optimizer = ["sgd", "adam"];
      s.grid.momentum = {
        uniform: [0, 0.9],
        when: { optimizer: ["adam", "rmsprop"], beta2: [0.99] },
      };
      s.grid.learningRate = { loguniform: [1e-4, 0.1], when: { learningRate: [0.1] } };
      s.grid.beta1 = { uniform: [0.8, 0.9], when: { momentum: [0.5] } };
    },
    [
      ["grid.learningRate.when.learningRate", "a setting cannot depend on itself"],
      ["grid.momentum.when.optimizer[0]", "momentum does not apply to optimizer adam"],
      ["grid.momentum.when.optimizer[1]", "never occurs: grid.optimizer takes sgd, adam"],
      ["grid.momentum.when.beta2", "is not in the grid, so the condition could never hold"],
      [
        "grid.beta1.when.momentum",
        "is itself conditional; when may name only unconditional settings",
      ],
    ],
  ],
  [
    "an exclude rule on a sampled setting",
    (s) => {
      random(s);
      s.grid.momentum = { uniform: [0, 0.9] };
      s.exclude = [{ momentum: [0.5] }];
    },
    [["exclude[0].momentum", "is sampled, not a grid list; exclude rules match grid lists only"]],
  ],
  [
    "asha with a key of the median rule",
    (s) => (s.earlyStopping = { method: "asha", minEpochs: 20, minTrials: 3 }),
    [["earlyStopping.minTrials", "only applies to method median"]],
  ],
  [
    "an asha grace period as long as training",
    (s) => (s.earlyStopping = { method: "asha", minEpochs: 20, reductionFactor: 1 }),
    [["earlyStopping.reductionFactor", "must be more than 1"]],
  ],
  [
    "a median warm-up as long as training",
    (s) => (s.earlyStopping = { method: "median", warmupEpochs: 20 }),
    [
      [
        "earlyStopping.warmupEpochs",
        "must be less than training.epochs (20), or no trial could stop early",
      ],
    ],
  ],
  [
    "an unknown early-stopping method",
    (s) => (s.earlyStopping = { method: "hyperband" }),
    [["earlyStopping.method", 'must be one of asha, median (got "hyperband")']],
  ],
  [
    "an empty budget, and one with bad caps",
    (s) => (s.budget = { maxTrials: 0, maxFailedTrials: -1, maxHours: 0 }),
    [
      ["budget.maxTrials", "must be a whole number, at least 1"],
      ["budget.maxFailedTrials", "must be zero or more"],
      ["budget.maxHours", "must be a positive number"],
    ],
  ],
  [
    "a budget with nothing in it",
    (s) => (s.budget = {}),
    [["budget", "give at least one of maxTrials, maxFailedTrials, maxHours"]],
  ],
];

describe("malformed search specs", () => {
  it.each(cases)("rejects %s", (_title, breakIt, expected) => {
    const raw = rawSpec();
    breakIt(raw);
    expect(problemsOf(raw)).toEqual(expected.map(([path, message]) => ({ path, message })));
  });

  it("rejects early stopping of a command trial (it runs to its end in one process)", () => {
    const { model: _built, ...rest } = rawSpec();
    const raw = {
      ...rest,
      trainable: { command: ["python3", "train.py"] },
      earlyStopping: { method: "asha" },
    };
    expect(problemsOf(raw)).toEqual([
      {
        path: "earlyStopping.method",
        message:
          "needs a model hypersweep trains (mlp, linear or a module): a command trial runs to its end in one process",
      },
    ]);
  });

  it("fills in defaults: tpe start-up trials and seed, asha's eta, the objective's metric", () => {
    const raw = rawSpec();
    raw.grid.learningRate = { loguniform: [1e-4, 0.1] };
    raw.search = { method: "tpe", trials: 30 };
    raw.earlyStopping = { method: "asha" };
    const spec = parseSpec(raw);
    expect(spec.search).toEqual({ method: "tpe", trials: 30, seed: 0, startupTrials: 10 });
    expect(spec.earlyStopping).toEqual({
      method: "asha",
      metric: "valMetric",
      mode: "max",
      minEpochs: 1,
      reductionFactor: 3,
    });
    const loss = parseSpec({ ...raw, earlyStopping: { method: "median", metric: "valLoss" } });
    expect(loss.earlyStopping).toEqual({
      method: "median",
      metric: "valLoss",
      mode: "min",
      warmupEpochs: 0,
      minTrials: 5,
    });
  });

  it("gives each problem in a YAML file its line", async () => {
    const folder = await mkdtemp(join(tmpdir(), "hypersweep-search-"));
    const file = join(folder, "bad.yaml");
    const text = [
      "name: bad", // 1
      "dataset: { path: a.csv, features: [a], target: b, task: regression, split: { head: 3 } }", // 2
      "model: { type: linear }", // 3
      "training: { epochs: 5 }", // 4
      "grid:", // 5
      "  optimizer: [sgd]", // 6
      "  learningRate:", // 7
      "    loguniform: [0.1, 0.01]", // 8
      "search: { method: random, trials: 0 }", // 9
    ].join("\n");
    await writeFile(file, text);
    const error = await loadSpecFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems).toEqual([
      {
        path: "grid.learningRate.loguniform",
        message: "low must be less than high (got [0.1, 0.01])",
        line: 8,
      },
      { path: "search.trials", message: "must be a whole number, at least 1", line: 9 },
    ]);
  });
});
