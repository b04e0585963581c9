import { describe, expect, it } from "vitest";
import { parseSpec, SpecError, type SpecProblem } from "../../../spec";
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

const ALL_OPTIMIZERS = "sgd, adam, adamax, adagrad, rmsprop";

/** [title, how to break the valid fixture, the exact problems expected]. */
const cases: Array<[string, (s: RawSpec) => unknown, Array<[string, string]>]> = [
  [
    "a negative learning rate",
    (s) => (s.grid.learningRate = [0.1, 0.01, -1]),
    [["grid.learningRate[2]", "must be a positive number"]],
  ],
  [
    "a zero learning rate",
    (s) => (s.grid.learningRate = [0]),
    [["grid.learningRate[0]", "must be a positive number"]],
  ],
  [
    "a learning rate that is not a number",
    (s) => (s.grid.learningRate = [0.1, "fast"]),
    [["grid.learningRate[1]", 'must be a number (got "fast")']],
  ],
  [
    "an infinite learning rate (YAML .inf)",
    (s) => (s.grid.learningRate = [Number.POSITIVE_INFINITY]),
    [["grid.learningRate[0]", "must be a finite number"]],
  ],
  [
    "momentum of 1",
    (s) => (s.grid.momentum = [0, 1]),
    [["grid.momentum[1]", "must be at least 0 and less than 1"]],
  ],
  [
    "a scalar momentum out of range (no [0] in the path)",
    (s) => (s.grid.momentum = 1.5),
    [["grid.momentum", "must be at least 0 and less than 1"]],
  ],
  [
    "an unknown optimizer",
    (s) => (s.grid.optimizer = ["sgd", "adamw"]),
    [["grid.optimizer[1]", `unknown optimizer "adamw"; allowed: ${ALL_OPTIMIZERS}`]],
  ],
  [
    "a duplicate grid value",
    (s) => (s.grid.learningRate = [0.1, 0.01, 1e-1]),
    [["grid.learningRate[2]", "duplicate value 0.1 (already at index 0)"]],
  ],
  [
    "an empty grid list",
    (s) => (s.grid.learningRate = []),
    [["grid.learningRate", "must list at least one value"]],
  ],
  [
    "a fractional seed",
    (s) => (s.grid.seed = [1, 2.5]),
    [["grid.seed[1]", "must be a whole number, 0 or more"]],
  ],
  [
    "zero and fractional epochs",
    (s) => (s.training = { epochs: 0, batchSize: 2.5 }),
    [
      ["training.epochs", "must be a whole number, at least 1"],
      ["training.batchSize", "must be a whole number, at least 1"],
    ],
  ],
  [
    "checkpointEvery beyond epochs",
    (s) => (s.training = { epochs: 20, checkpointEvery: 25 }),
    [["training.checkpointEvery", "must be at most epochs (20)"]],
  ],
  [
    "a head split of 0 rows",
    (s) => (s.dataset.split = { head: 0 }),
    [["dataset.split.head", "must be a whole number, at least 1"]],
  ],
  [
    "a random split with test outside (0, 1) and no seed",
    (s) => (s.dataset.split = { random: { test: 1 } }),
    [
      ["dataset.split.random.test", "must be between 0 and 1 (exclusive)"],
      ["dataset.split.random.seed", "is required"],
    ],
  ],
  [
    "both split kinds",
    (s) => (s.dataset.split = { head: 300, random: { test: 0.3, seed: 42 } }),
    [["dataset.split", "give either head or random, not both"]],
  ],
  [
    "no features, and a missing target",
    (s) => {
      s.dataset.features = [];
      delete s.dataset.target;
    },
    [
      ["dataset.features", "must list at least one feature column"],
      ["dataset.target", "is required"],
    ],
  ],
  [
    "a duplicate feature",
    (s) => (s.dataset.features = ["Height", "Weight", "Height"]),
    [["dataset.features[2]", 'duplicate value "Height" (already at index 0)']],
  ],
  [
    "the target among the features",
    (s) => (s.dataset.features = ["Height", "Index"]),
    [["dataset.target", '"Index" is the target, so it cannot also be a feature']],
  ],
  [
    "numClasses on a regression task",
    (s) => (s.dataset.task = "regression"),
    [["dataset.numClasses", "only applies to task: classification"]],
  ],
  [
    "a misspelt task",
    (s) => (s.dataset.task = "classify"),
    [["dataset.task", 'must be one of regression, classification (got "classify")']],
  ],
  [
    "both a path and an s3 key",
    (s) => (s.dataset.s3 = "s3://datasets/bmi.csv"),
    [
      [
        "dataset",
        "give exactly one of path (a local file), s3 (an s3:// key) or url (http or https)",
      ],
    ],
  ],
  [
    "an s3 key without its scheme",
    (s) => {
      delete s.dataset.path;
      s.dataset.s3 = "datasets/bmi.csv";
    },
    [["dataset.s3", 'must be an s3:// key, e.g. "s3://datasets/bmi.csv"']],
  ],
  [
    "a zero hidden layer size",
    (s) => (s.model.hidden = [64, 0]),
    [["model.hidden[1]", "must be a whole number, at least 1"]],
  ],
  [
    "an unknown model type",
    (s) => (s.model = { type: "cnn" }),
    [["model.type", 'must be linear, mlp, command or module (got "cnn")']],
  ],
  [
    "a linear model on a classification task",
    (s) => (s.model = { type: "linear" }),
    [
      [
        "model.type",
        "linear is a regression model (like SGDRegressor); use model type mlp for classification",
      ],
    ],
  ],
  [
    "a misspelt key, with a suggestion",
    (s) => {
      s.grid.learningrate = s.grid.learningRate;
      delete s.grid.learningRate;
    },
    [["grid.learningrate", 'unknown key (did you mean "learningRate"?)']],
  ],
  [
    "an unknown top-level key, listing the allowed ones",
    (s) => (s.schedule = "nightly"),
    [
      [
        "schedule",
        "unknown key (allowed: name, description, dataset, model, trainable, training, grid, exclude, trials, objective, execution, search, earlyStopping, budget, params)",
      ],
    ],
  ],
  [
    "a name that is not a slug",
    (s) => (s.name = "My Sweep"),
    [
      [
        "name",
        "must be lowercase letters, digits and dashes (at most 48, not starting or ending with a dash)",
      ],
    ],
  ],
  [
    "a grid setting no listed optimizer uses",
    (s) => (s.grid.beta1 = [0.9, 0.95]),
    [
      [
        "grid.beta1",
        "does not apply to any optimizer in grid.optimizer (sgd); it is a setting of adam, adamax",
      ],
    ],
  ],
  [
    "an explicit trial with a setting its optimizer ignores",
    (s) => (s.trials = [{ optimizer: "adam", momentum: 0.9 }]),
    [
      [
        "trials[0].momentum",
        "does not apply to optimizer adam (its settings: learningRate, beta1, beta2, epsilon)",
      ],
    ],
  ],
  [
    "exclude rules that remove every trial",
    (s) => (s.exclude = [{ optimizer: "sgd" }]),
    [["exclude", "the exclude rules remove every trial"]],
  ],
  [
    "an exclude rule on a key the grid does not vary, and an empty rule",
    (s) => (s.exclude = [{ momentum: 0.9 }, {}]),
    [
      [
        "exclude[1]",
        "an exclude rule needs at least one grid key, e.g. {optimizer: adam, momentum: 0.9}",
      ],
      [
        "exclude[0].momentum",
        "is not in the grid, so the rule could never match (the grid has optimizer, learningRate, seed)",
      ],
    ],
  ],
  [
    "a grid of more than 100,000 trials",
    (s) => {
      s.grid.learningRate = Array.from({ length: 1000 }, (_, i) => (i + 1) / 1000);
      s.grid.seed = Array.from({ length: 101 }, (_, i) => i);
    },
    [["grid", "expands to 101000 trials; a sweep may have at most 100000"]],
  ],
  [
    "more parallel trials than Temporal allows",
    (s) => (s.execution = { maxParallel: 5000 }),
    [["execution.maxParallel", "must be at most 2000"]],
  ],
  [
    "inconsistent retry and timeout settings",
    (s) =>
      (s.execution = {
        retry: { initialIntervalSeconds: 10, maximumIntervalSeconds: 5 },
        trialTimeoutMinutes: 1,
        heartbeatTimeoutSeconds: 60,
      }),
    [
      ["execution.retry.maximumIntervalSeconds", "must be at least initialIntervalSeconds (10)"],
      ["execution.heartbeatTimeoutSeconds", "must be shorter than trialTimeoutMinutes (1 min)"],
    ],
  ],
  [
    "missing sections",
    (s) => {
      delete s.model;
      delete s.grid;
    },
    [
      ["model", "is required"],
      ["grid", "is required"],
    ],
  ],
];

describe("malformed specs", () => {
  it.each(cases)("rejects %s", (_title, breakIt, expected) => {
    const raw = rawSpec();
    breakIt(raw);
    expect(problemsOf(raw)).toEqual(expected.map(([path, message]) => ({ path, message })));
  });

  it("accepts the unbroken fixture (so every case above fails for its own reason)", () => {
    expect(() => parseSpec(rawSpec())).not.toThrow();
  });

  it("reports every problem at once, not just the first", () => {
    const raw = rawSpec();
    raw.grid.learningRate = [-1, 0.1, -2];
    raw.training.epochs = 0;
    raw.dataset.split = { head: -3 };
    expect(problemsOf(raw).map((p) => p.path)).toEqual([
      "dataset.split.head",
      "training.epochs",
      "grid.learningRate[0]",
      "grid.learningRate[2]",
    ]);
  });

  it("rejects a spec that is not an object, and names the origin in the message", () => {
    const error = (() => {
      try {
        parseSpec([1, 2], "sweep.yaml");
      } catch (e) {
        return e as SpecError;
      }
    })();
    expect(error?.problems).toEqual([
      { path: "", message: "must be an object (key: value pairs) (got a list)" },
    ]);
    expect(error?.message).toBe(
      "invalid spec sweep.yaml: 1 problem\n  (spec): must be an object (key: value pairs) (got a list)",
    );
  });

  it("formats one problem per line, with its path", () => {
    const raw = rawSpec();
    raw.grid.learningRate = [0.1, 0.01, -1];
    raw.grid.optimizer = ["sgd", "adamw"];
    expect(() => parseSpec(raw)).toThrowError(
      `invalid spec: 2 problems\n  grid.optimizer[1]: unknown optimizer "adamw"; allowed: ${ALL_OPTIMIZERS}\n  grid.learningRate[2]: must be a positive number`,
    );
  });
});
