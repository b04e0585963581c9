import { describe, expect, it } from "vitest";
import {
  countTrials,
  expandTrials,
  lineageIdOf,
  OPTIMIZER_DEFAULTS,
  parseSpec,
  type SweepSpec,
  settingsOf,
  sweepIdFor,
  trialIdOf,
} from "../../../spec";
import { type RawSpec, rawSpec } from "./fixtures";

function spec(edit: (raw: RawSpec) => void = () => {}): SweepSpec {
  const raw = rawSpec();
  edit(raw);
  return parseSpec(raw);
}

const paramsOf = (s: SweepSpec) => expandTrials(s).map((t) => t.params);

describe("expandTrials", () => {
  it("is the cartesian product, optimizer outermost and seed innermost, in listed order", () => {
    const s = spec((r) => {
      r.grid = { optimizer: ["sgd"], learningRate: [0.1, 0.01], momentum: [0, 0.9], seed: [7, 3] };
    });
    expect(paramsOf(s)).toEqual([
      { optimizer: "sgd", learningRate: 0.1, momentum: 0, seed: 7 },
      { optimizer: "sgd", learningRate: 0.1, momentum: 0, seed: 3 },
      { optimizer: "sgd", learningRate: 0.1, momentum: 0.9, seed: 7 },
      { optimizer: "sgd", learningRate: 0.1, momentum: 0.9, seed: 3 },
      { optimizer: "sgd", learningRate: 0.01, momentum: 0, seed: 7 },
      { optimizer: "sgd", learningRate: 0.01, momentum: 0, seed: 3 },
      { optimizer: "sgd", learningRate: 0.01, momentum: 0.9, seed: 7 },
      { optimizer: "sgd", learningRate: 0.01, momentum: 0.9, seed: 3 },
    ]);
    expect(expandTrials(s).map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("fills in the Keras defaults for every setting the grid leaves out", () => {
    const s = spec((r) => {
      r.grid = { optimizer: ["sgd", "adam", "adamax", "adagrad", "rmsprop"], seed: [1] };
    });
    for (const trial of expandTrials(s)) {
      const name = trial.config.optimizer.name;
      expect(trial.config.optimizer).toEqual({ name, ...OPTIMIZER_DEFAULTS[name] });
      expect(Object.keys(trial.config.optimizer).slice(1).sort()).toEqual(settingsOf(name).sort());
    }
    expect(OPTIMIZER_DEFAULTS.adagrad).toEqual({
      learningRate: 0.001,
      initialAccumulatorValue: 0.1,
      epsilon: 1e-7,
    });
  });

  it("ignores settings that do not apply to an optimizer, so they make no extra trials", () => {
    const s = spec((r) => {
      r.grid = {
        optimizer: ["sgd", "adam"],
        momentum: [0, 0.5, 0.9],
        beta1: [0.9, 0.8],
        seed: [1],
      };
    });
    expect(paramsOf(s)).toEqual([
      { optimizer: "sgd", momentum: 0, seed: 1 },
      { optimizer: "sgd", momentum: 0.5, seed: 1 },
      { optimizer: "sgd", momentum: 0.9, seed: 1 },
      { optimizer: "adam", beta1: 0.9, seed: 1 },
      { optimizer: "adam", beta1: 0.8, seed: 1 },
    ]);
    expect(expandTrials(s)[3]?.config.optimizer).toEqual({
      name: "adam",
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
  });

  it("drops combinations that match every key of an exclude rule", () => {
    const s = spec((r) => {
      r.grid = { optimizer: ["sgd", "rmsprop"], learningRate: [0.1, 0.01], momentum: [0, 0.9] };
      r.exclude = [
        { optimizer: "sgd", learningRate: 0.1, momentum: [0.9] },
        { optimizer: "rmsprop", momentum: 0.9 },
      ];
    });
    expect(paramsOf(s)).toEqual([
      { optimizer: "sgd", learningRate: 0.1, momentum: 0, seed: 0 },
      { optimizer: "sgd", learningRate: 0.01, momentum: 0, seed: 0 },
      { optimizer: "sgd", learningRate: 0.01, momentum: 0.9, seed: 0 },
      { optimizer: "rmsprop", learningRate: 0.1, momentum: 0, seed: 0 },
      { optimizer: "rmsprop", learningRate: 0.01, momentum: 0, seed: 0 },
    ]);
  });

  it("never matches a rule key a trial does not have (momentum on adam)", () => {
    const s = spec((r) => {
      r.grid = { optimizer: ["sgd", "adam"], momentum: [0.5, 0.9], seed: [1] };
      r.exclude = [{ optimizer: ["adam", "sgd"], momentum: 0.5 }];
    });
    expect(paramsOf(s)).toEqual([
      { optimizer: "sgd", momentum: 0.9, seed: 1 },
      { optimizer: "adam", seed: 1 },
    ]);
  });

  it("appends explicit trials, once per grid seed unless they name one, and keeps duplicates once", () => {
    const s = spec((r) => {
      r.grid = { optimizer: ["sgd"], learningRate: [0.1], seed: [1, 2] };
      r.trials = [
        { optimizer: "adam", learningRate: 0.003 },
        { optimizer: "sgd", learningRate: 0.05, momentum: 0.9, seed: 9 },
        { optimizer: "sgd", learningRate: 0.1, momentum: 0, seed: 2 },
      ];
    });
    expect(paramsOf(s)).toEqual([
      { optimizer: "sgd", learningRate: 0.1, seed: 1 },
      { optimizer: "sgd", learningRate: 0.1, seed: 2 },
      { optimizer: "adam", learningRate: 0.003, seed: 1 },
      { optimizer: "adam", learningRate: 0.003, seed: 2 },
      { optimizer: "sgd", learningRate: 0.05, momentum: 0.9, seed: 9 },
    ]);
    expect(countTrials(s)).toBe(5);
  });

  it("gives each trial the spec's data, model and training settings", () => {
    const s = spec();
    const [first] = expandTrials(s);
    expect(first?.config).toEqual({
      dataset: {
        source: "../data/bmi.csv",
        features: ["Height", "Weight", "Gender"],
        target: "Index",
        task: "classification",
        numClasses: 6,
        split: { head: 300 },
        standardize: false,
      },
      model: { type: "mlp", hidden: [16, 8], activation: "relu" },
      optimizer: { name: "sgd", learningRate: 0.1, momentum: 0, nesterov: false },
      epochs: 20,
      batchSize: 32,
      seed: 1,
    });
  });
});

describe("trial and sweep ids", () => {
  const ids = (s: SweepSpec) => expandTrials(s).map((t) => t.trialId);

  it("are deterministic, well-formed and distinct", () => {
    const first = ids(spec());
    expect(ids(spec())).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    for (const id of first) expect(id).toMatch(/^t-[0-9a-f]{16}$/);
    expect(sweepIdFor(spec())).toMatch(/^fixture-[0-9a-f]{8}$/);
    expect(sweepIdFor(spec())).toBe(sweepIdFor(spec()));
  });

  it("trialIdOf recomputes the id from the config alone", () => {
    for (const trial of expandTrials(spec())) expect(trialIdOf(trial.config)).toBe(trial.trialId);
  });

  it("lineages join trials that differ only in epochs, and nothing else", () => {
    const withEpochs = (epochs: number) =>
      expandTrials(
        spec((r) => {
          r.training.epochs = epochs;
        }),
      );
    const [short, long] = [withEpochs(5), withEpochs(50)];
    const lineages = short.map((t) => lineageIdOf(t.config));
    expect(long.map((t) => lineageIdOf(t.config))).toEqual(lineages);
    expect(long.map((t) => t.trialId)).not.toEqual(short.map((t) => t.trialId));
    expect(new Set(lineages).size).toBe(lineages.length);
    for (const id of lineages) expect(id).toMatch(/^l-[0-9a-f]{16}$/);
  });

  it("do not change with settings that do not change results", () => {
    const before = ids(spec());
    const after = spec((r) => {
      r.training.checkpointEvery = 5;
      r.execution = { maxParallel: 2, pool: "gpu" };
      r.description = "renamed";
    });
    expect(ids(after)).toEqual(before);
    const noCheckpointChange = spec((r) => {
      r.execution = { maxParallel: 2, pool: "gpu" };
      r.description = "renamed";
    });
    expect(sweepIdFor(noCheckpointChange)).toBe(sweepIdFor(spec()));
  });

  it("do not change when a default is written out or keys are reordered", () => {
    const explicit = spec((r) => {
      r.training = { batchSize: 32, epochs: 20 };
      r.dataset.standardize = false;
      r.trials = [];
    });
    expect(ids(explicit)).toEqual(ids(spec()));
    expect(sweepIdFor(explicit)).toBe(sweepIdFor(spec()));
    // A momentum of 0 on sgd is its default, so the trial is the same trial.
    const withMomentum = spec((r) => {
      r.grid.momentum = [0];
    });
    expect(ids(withMomentum)).toEqual(ids(spec()));
  });

  it("change when a learning rate, the data or the model changes", () => {
    const base = ids(spec());
    const lr = ids(spec((r) => (r.grid.learningRate = [0.2, 0.01, 0.001])));
    expect(lr[0]).not.toBe(base[0]);
    expect(lr.slice(2)).toEqual(base.slice(2));
    expect(ids(spec((r) => (r.dataset.split = { head: 250 })))[0]).not.toBe(base[0]);
    expect(ids(spec((r) => (r.model.hidden = [16])))[0]).not.toBe(base[0]);
    expect(sweepIdFor(spec((r) => (r.grid.learningRate = [0.2])))).not.toBe(sweepIdFor(spec()));
  });

  it("parsing a parsed spec again changes nothing", () => {
    const once = spec((r) => (r.grid.momentum = 0.9));
    expect(parseSpec(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });
});

describe("large sweeps", () => {
  it("expands 10,000 trials", () => {
    const s = spec((r) => {
      r.grid = {
        optimizer: ["sgd", "adam"],
        learningRate: Array.from({ length: 50 }, (_, i) => (i + 1) / 1000),
        momentum: Array.from({ length: 10 }, (_, i) => i / 10),
        beta1: Array.from({ length: 10 }, (_, i) => 0.5 + i / 25),
        seed: Array.from({ length: 10 }, (_, i) => i),
      };
    });
    const started = performance.now();
    const trials = expandTrials(s);
    const ms = performance.now() - started;
    console.log(`expandTrials: ${trials.length} trials in ${ms.toFixed(0)} ms`);
    expect(trials).toHaveLength(10_000);
    expect(new Set(trials.map((t) => t.trialId)).size).toBe(10_000);
    expect(countTrials(s)).toBe(10_000);
    expect(trials.slice(-2).map((t) => t.index)).toEqual([9_998, 9_999]);
  });
});
