import { describe, expect, it } from "vitest";
import type { TrialConfig } from "../../../spec/types";
import { loadDataset, resolveOptimizer, TrainingConfigError, trainTrial } from "../../../training";
import { bmiRegression, loadBmi } from "./fixtures";

const linearTrial = (lr: number, over: Partial<TrialConfig> = {}): TrialConfig => ({
  dataset: bmiRegression,
  model: { type: "linear", alpha: 1e-4 },
  optimizer: resolveOptimizer({ name: "sgd", learningRate: lr }),
  epochs: 200,
  batchSize: 1,
  seed: 42,
  ...over,
});

describe("linear model (SGDRegressor semantics)", () => {
  it("matches hand-computed per-sample updates with L2 decay and a free intercept", async () => {
    // One training row x = 2, y = 3; alpha = 0.1, eta = 0.1 → decay 0.99.
    // Epoch 1: p = 0, update = 0.3 → w = 0·0.99 + 0.3·2 = 0.6, b = 0.3; train MSE (1.5 - 3)² = 2.25.
    // Epoch 2: p = 1.5, update = 0.15 → w = 0.594 + 0.3 = 0.894, b = 0.45; MSE (2.238 - 3)² = 0.580644.
    const ds = {
      ...bmiRegression,
      source: "t.csv",
      features: ["x"],
      target: "y",
      split: { head: 1 },
    };
    const data = await loadDataset(ds, async () => "x,y\n2,3\n1,0\n");
    const r = await trainTrial({
      data,
      trial: linearTrial(0.1, { dataset: ds, model: { type: "linear", alpha: 0.1 }, epochs: 2 }),
    });
    expect(r.status).toBe("completed");
    expect(r.backend).toBe("js");
    expect(r.records.map((x) => x.trainLoss)).toEqual([
      expect.closeTo(2.25, 12),
      expect.closeTo(0.580644, 12),
    ]);
    // Validation row x = 1, y = 0 after epoch 1: p = 0.6 + 0.3 = 0.9.
    expect(r.records[0]!.valMetric).toBeCloseTo(0.81, 12);
  });

  it("stops a trial whose loss overflows: status, epoch and curve so far, no exception", async () => {
    // x = 1e200: the first update makes w ≈ 6e199, so the next prediction overflows to Infinity.
    const ds = {
      ...bmiRegression,
      source: "t.csv",
      features: ["x"],
      target: "y",
      split: { head: 2 },
    };
    const data = await loadDataset(ds, async () => "x,y\n1,1\n1e200,3\n1,0\n");
    const seen: number[] = [];
    const r = await trainTrial({
      data,
      trial: linearTrial(0.1, { dataset: ds, epochs: 50 }),
      onEpoch: (rec) => void seen.push(rec.epoch),
    });
    expect(r.status).toBe("diverged");
    expect(r.divergedAtEpoch).toBe(r.records.length);
    expect(r.records.length).toBeLessThan(50);
    expect(seen).toEqual(r.records.map((x) => x.epoch));
    expect(Number.isFinite(r.records.at(-1)!.trainLoss)).toBe(false);
  });

  it("clips the loss derivative at 1e12 like sklearn: unscaled BMI at lr 0.1 explodes yet stays finite", async () => {
    const data = await loadBmi(bmiRegression);
    const r = await trainTrial({ data, trial: linearTrial(0.1) });
    expect(r.status).toBe("completed");
    expect(r.records.at(-1)!.trainLoss).toBeGreaterThan(1e20);
  });

  it("is deterministic for a seed and learns on standardised features", async () => {
    const ds = { ...bmiRegression, standardize: true };
    const data = await loadBmi(ds);
    const a = await trainTrial({ data, trial: linearTrial(0.001, { dataset: ds, epochs: 20 }) });
    const b = await trainTrial({ data, trial: linearTrial(0.001, { dataset: ds, epochs: 20 }) });
    const c = await trainTrial({
      data,
      trial: linearTrial(0.001, { dataset: ds, epochs: 20, seed: 1 }),
    });
    expect(a.records.map((x) => x.valLoss)).toEqual(b.records.map((x) => x.valLoss));
    expect(a.records.map((x) => x.valLoss)).not.toEqual(c.records.map((x) => x.valLoss));
    expect(a.records.at(-1)!.trainLoss).toBeLessThan(a.records[0]!.trainLoss);
    expect(a.records.at(-1)!.trainLoss).toBeLessThan(1);
  });

  it("refuses a classification task or an adaptive optimizer", async () => {
    const data = await loadBmi(bmiRegression);
    const trial = linearTrial(0.01, { optimizer: resolveOptimizer({ name: "adam" }) });
    await expect(trainTrial({ data, trial })).rejects.toBeInstanceOf(TrainingConfigError);
  });
});
