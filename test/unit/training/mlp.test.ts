import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  initBackend,
  type PreparedData,
  TrainingConfigError,
  trainPack,
  trainTrial,
} from "../../../training";
import { glorotUniform } from "../../../training/mlp";
import { Rng } from "../../../training/rng";
import { bmiRegression, curves, loadBmi, smallMlp } from "./fixtures";

let data: PreparedData;
beforeAll(async () => {
  await initBackend("wasm");
  data = await loadBmi();
});

describe("backends", () => {
  it("auto falls back to a loadable backend and is idempotent", async () => {
    const name = await initBackend("auto");
    expect(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]).toContain(name);
    expect(await initBackend("auto")).toBe(name);
    expect(await initBackend("cpu")).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(await initBackend("wasm")).toBe("wasm");
  });
});

describe("rng and init", () => {
  it("xoshiro state restores the exact stream", () => {
    const a = new Rng(5);
    a.nextUint32();
    const b = Rng.fromState(a.state());
    expect(Array.from({ length: 5 }, () => a.nextUint32())).toEqual(
      Array.from({ length: 5 }, () => b.nextUint32()),
    );
    expect(new Rng(5).nextFloat()).not.toBe(new Rng(6).nextFloat());
    const p = new Rng(1).permutation(50);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("glorot uniform stays within ±sqrt(6/(fanIn+fanOut)) and fills the range", () => {
    const w = glorotUniform(3, 128, new Rng(1));
    const limit = Math.sqrt(6 / 131);
    expect(Math.max(...w)).toBeLessThanOrEqual(limit);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-limit);
    expect(Math.max(...w)).toBeGreaterThan(0.9 * limit);
  });
});

describe("MLP training loop", () => {
  it("same seed → same curves; another seed → different curves", async () => {
    const a = await trainTrial({ trial: smallMlp({ epochs: 3 }), data });
    const b = await trainTrial({ trial: smallMlp({ epochs: 3 }), data });
    const c = await trainTrial({ trial: smallMlp({ epochs: 3, seed: 2 }), data });
    expect(a.backend).toBe("wasm");
    expect(curves(a.records)).toEqual(curves(b.records));
    expect(curves(a.records)).not.toEqual(curves(c.records));
    expect(a.records.every((r) => r.seconds > 0)).toBe(true);
  });

  it("records full-set accuracy (a multiple of 1/n) and cross-entropy; adam learns on BMI", async () => {
    const r = await trainTrial({
      trial: smallMlp({ opt: { name: "adam", learningRate: 0.01 }, epochs: 30 }),
      data,
    });
    for (const rec of r.records) {
      expect(Math.abs(rec.trainMetric * 300 - Math.round(rec.trainMetric * 300))).toBeLessThan(
        1e-3,
      );
      expect(Math.abs(rec.valMetric * 200 - Math.round(rec.valMetric * 200))).toBeLessThan(1e-3);
    }
    expect(r.records.at(-1)!.trainLoss).toBeLessThan(r.records[0]!.trainLoss);
    expect(r.records.at(-1)!.valMetric).toBeGreaterThan(0.5);
  });

  it("MLP regressor (linear output, MSE) learns on standardised BMI", async () => {
    const ds = { ...bmiRegression, standardize: true };
    const reg = await loadBmi(ds);
    const r = await trainTrial({
      trial: smallMlp({ dataset: ds, opt: { name: "adam", learningRate: 0.01 }, epochs: 20 }),
      data: reg,
    });
    expect(r.status).toBe("completed");
    expect(r.records[0]!.trainLoss).toBe(r.records[0]!.trainMetric);
    expect(r.records.at(-1)!.valMetric).toBeLessThan(0.5);
  });

  it("a NaN loss stops the trial as diverged with the records so far", async () => {
    const ds = { ...bmiRegression, standardize: false };
    const reg = await loadBmi(ds);
    const trial = smallMlp({ dataset: ds, opt: { name: "sgd", learningRate: 10 }, epochs: 50 });
    const r = await trainTrial({ trial, data: reg });
    expect(r.status).toBe("diverged");
    expect(r.divergedAtEpoch).toBe(r.records.length);
    expect(r.records.length).toBeLessThan(50);
    const last = r.records.at(-1)!;
    expect(Number.isFinite(last.trainLoss) && Number.isFinite(last.valLoss)).toBe(false);
  });

  it("trainPack trains each trial with its own callbacks", async () => {
    const seen = [0, 0];
    const results = await trainPack({
      data,
      trials: [smallMlp({ epochs: 2 }), smallMlp({ epochs: 3, seed: 9 })],
      onEpoch: (i) => void seen[i]!++,
    });
    expect(results.map((r) => r.records.length)).toEqual([2, 3]);
    expect(seen).toEqual([2, 3]);
  });

  it("rejects a batch size below 1 instead of looping forever", async () => {
    await expect(trainTrial({ trial: smallMlp({ batchSize: 0 }), data })).rejects.toBeInstanceOf(
      TrainingConfigError,
    );
  });
});
