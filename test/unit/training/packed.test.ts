import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { EpochRecord, TrialConfig } from "../../../spec/types";
import { initBackend, type PreparedData, trainPack, trainTrial } from "../../../training";
import { testBackends } from "../../fixtures/backends";
import { bmiClassification, bmiRegression, curves, loadBmi, smallMlp } from "./fixtures";

// Every backend this run can load: wasm always, the native CPU one where it is installed (CI
// installs it and requires it through HYPERSWEEP_TEST_BACKENDS).
const BACKENDS = testBackends();

// Standardised inputs: on raw BMI (heights ~170) high rates amplify rounding chaotically.
const scaled = { ...bmiClassification, standardize: true };

/** 16 trials of one optimizer: different seeds and per-trial hyper-parameters, one pack. */
function sixteen(
  name: "sgd" | "adam" | "adamax" | "adagrad" | "rmsprop",
  epochs: number,
): TrialConfig[] {
  return Array.from({ length: 16 }, (_, i) => {
    const lr = [1e-3, 3e-3, 1e-2, 3e-2][i % 4]!;
    const extra: Record<string, Record<string, number | boolean>> = {
      sgd: { momentum: 0.9, nesterov: false },
      adam: { beta1: [0.9, 0.8][i % 2]!, beta2: [0.999, 0.99][(i >> 1) % 2]!, epsilon: 1e-7 },
      adamax: { beta1: [0.9, 0.7][i % 2]!, epsilon: [1e-7, 1e-5][(i >> 1) % 2]! },
      adagrad: { initialAccumulatorValue: [0.1, 0.01][i % 2]! },
      rmsprop: { rho: [0.9, 0.8][i % 2]! },
    };
    const opt = { name, learningRate: lr, ...extra[name] };
    return smallMlp({ dataset: scaled, opt, epochs, seed: 100 + i });
  });
}

/** Largest absolute difference of any metric at any epoch. */
function maxDiff(a: EpochRecord[], b: EpochRecord[]): number {
  expect(a.length).toBe(b.length);
  const keys = ["trainLoss", "valLoss", "trainMetric", "valMetric"] as const;
  return Math.max(...a.flatMap((r, e) => keys.map((k) => Math.abs(r[k] - b[e]![k]))));
}

describe.each(BACKENDS)("packed trials on %s", (backend) => {
  let data: PreparedData;
  beforeAll(async () => {
    await initBackend(backend);
    data = await loadBmi(scaled);
  });

  it.each(["sgd", "adam", "adamax", "adagrad", "rmsprop"] as const)(
    "%s: 16 trials alone and in one pack give the same curves within 1e-4",
    async (name) => {
      const trials = sixteen(name, 3);
      const packed = await trainPack({ trials, data });
      for (const [i, trial] of trials.entries()) {
        const solo = await trainTrial({ trial, data });
        expect(packed[i]).toMatchObject({ status: "completed", backend });
        expect(maxDiff(packed[i]!.records, solo.records)).toBeLessThanOrEqual(1e-4);
      }
    },
    300_000, // 16 solo trials on a loaded 2-core machine; no timed assertion
  );

  it("trials of every optimizer, interleaved, share one pack: each as alone, resumed bit-identical", async () => {
    const rules = ["sgd", "adam", "adamax", "adagrad", "rmsprop"] as const;
    const byRule = rules.map((r) => sixteen(r, 4));
    const plain = (lr: number, seed: number) =>
      smallMlp({ dataset: scaled, opt: { name: "sgd", learningRate: lr }, epochs: 4, seed });
    const rmsMomentum = smallMlp({
      dataset: scaled,
      opt: { name: "rmsprop", learningRate: 1e-3, momentum: 0.5 },
      epochs: 4,
      seed: 7,
    });
    // Rules alternate, so the pack regroups them: SGD with and without momentum, RMSprop with
    // and without are different slot layouts too.
    const trials = [
      ...[0, 1, 2].flatMap((i) => byRule.map((ts) => ts[i]!)),
      plain(1e-2, 3),
      rmsMomentum,
      plain(3e-2, 4),
    ];
    const saved: Uint8Array[] = [];
    const order: number[] = [];
    const packed = await trainPack({
      trials,
      data,
      checkpointEvery: 2,
      onEpoch: (_i, r) => void order.push(r.epoch),
      onCheckpoint: async (i, bytes, epoch) => {
        if (epoch === 2) saved[i] = bytes;
      },
    });
    // One lock-step computation: every trial's epoch e before any trial's epoch e + 1.
    expect(order).toEqual([1, 2, 3, 4].flatMap((e) => trials.map(() => e)));
    const resumed = await trainPack({ trials, data, resumeFrom: saved });
    for (const [i, trial] of trials.entries()) {
      const solo = await trainTrial({ trial, data });
      expect(packed[i]).toMatchObject({ status: "completed", backend });
      expect(maxDiff(packed[i]!.records, solo.records)).toBeLessThanOrEqual(1e-4);
      expect(curves(resumed[i]!.records)).toEqual(curves(packed[i]!.records));
      // A mixed pack's checkpoint is a solo one.
      const soloResumed = await trainTrial({ trial, data, resumeFrom: saved[i]! });
      expect(maxDiff(soloResumed.records, solo.records)).toBeLessThanOrEqual(1e-4);
    }
  }, 300_000);

  it("a mixed pack loses a whole optimizer's trials to divergence, keeps the rest, leaks nothing", async () => {
    const ds = { ...bmiRegression, standardize: false };
    const reg = await loadBmi(ds);
    const trial = (opt: Parameters<typeof smallMlp>[0]["opt"], seed: number) =>
      smallMlp({ dataset: ds, opt, epochs: 12, seed });
    const trials = [
      trial({ name: "adam", learningRate: 1e-3 }, 1),
      trial({ name: "sgd", learningRate: 10 }, 2),
      trial({ name: "sgd", learningRate: 1e-5, momentum: 0.9 }, 3),
      trial({ name: "sgd", learningRate: 10 }, 4),
      trial({ name: "rmsprop", learningRate: 1e-4 }, 5),
    ];
    const before = tf.memory().numTensors;
    const packed = await trainPack({ trials, data: reg });
    expect(tf.memory().numTensors).toBe(before);
    expect([packed[1]!.status, packed[3]!.status]).toEqual(["diverged", "diverged"]);
    for (const i of [0, 2, 4]) {
      const solo = await trainTrial({ trial: trials[i]!, data: reg });
      expect(packed[i]!.status).toBe("completed");
      expect(
        maxDiff(packed[i]!.records, solo.records) / Math.max(1, solo.records[0]!.trainLoss),
      ).toBeLessThanOrEqual(1e-4);
    }
  });

  it("the same pack twice, and a pack resumed from its checkpoints, give bit-identical curves", async () => {
    const trials = sixteen("adam", 6);
    const saved: Uint8Array[] = [];
    const a = await trainPack({
      trials,
      data,
      checkpointEvery: 3,
      onCheckpoint: async (i, bytes, epoch) => {
        if (epoch === 3) saved[i] = bytes;
      },
    });
    const b = await trainPack({ trials, data });
    const c = await trainPack({ trials, data, resumeFrom: saved });
    for (const i of trials.keys()) {
      expect(curves(b[i]!.records)).toEqual(curves(a[i]!.records));
      expect(curves(c[i]!.records)).toEqual(curves(a[i]!.records));
      expect(c[i]!.resumedFromEpoch).toBe(3);
    }
  });

  it("pack and solo checkpoints are interchangeable", async () => {
    const trial = sixteen("rmsprop", 6)[5]!;
    let fromSolo: Uint8Array | undefined;
    let fromPack: Uint8Array | undefined;
    const keep3 = (set: (b: Uint8Array) => void) => async (b: Uint8Array, e: number) => {
      if (e === 3) set(b);
    };
    const solo = await trainTrial({
      trial,
      data,
      checkpointEvery: 3,
      onCheckpoint: keep3((b) => (fromSolo = b)),
    });
    await trainPack({
      trials: [trial],
      data,
      checkpointEvery: 3,
      onCheckpoint: (_i, b, e) => keep3((x) => (fromPack = x))(b, e),
    });
    const [packFromSolo] = await trainPack({ trials: [trial], data, resumeFrom: [fromSolo] });
    const soloFromPack = await trainTrial({ trial, data, resumeFrom: fromPack! });
    expect(maxDiff(packFromSolo!.records, solo.records)).toBeLessThanOrEqual(1e-4);
    expect(maxDiff(soloFromPack.records, solo.records)).toBeLessThanOrEqual(1e-4);
  });

  it("refuses dropout and l2 trials, which the packed kernels cannot train", async () => {
    const [t] = sixteen("sgd", 1);
    for (const extra of [{ dropout: 0.2 }, { l2: 1e-4 }]) {
      const trial = { ...t!, model: { ...t!.model, ...extra } } as TrialConfig;
      await expect(trainPack({ trials: [trial], data })).rejects.toThrow(/dropout and l2/);
    }
  });

  it("a diverging trial leaves the pack and poisons none of the others", async () => {
    const ds = { ...bmiRegression, standardize: false };
    const reg = await loadBmi(ds);
    const lrs = [1e-5, 10, 3e-5, 1e-4];
    const trials = lrs.map((learningRate, i) =>
      smallMlp({ dataset: ds, opt: { name: "sgd", learningRate }, epochs: 12, seed: i + 1 }),
    );
    const packed = await trainPack({ trials, data: reg });
    expect(packed[1]!.status).toBe("diverged");
    expect(packed[1]!.records.length).toBe(packed[1]!.divergedAtEpoch);
    for (const i of [0, 2, 3]) {
      const solo = await trainTrial({ trial: trials[i]!, data: reg });
      expect(packed[i]!.status).toBe("completed");
      expect(
        maxDiff(packed[i]!.records, solo.records) / Math.max(1, solo.records[0]!.trainLoss),
      ).toBeLessThanOrEqual(1e-4);
    }
  });

  it("cancellation checkpoints every running trial at the last finished epoch", async () => {
    const trials = sixteen("sgd", 10).slice(0, 4);
    const stop = new AbortController();
    const epochs: number[] = [];
    const results = await trainPack({
      trials,
      data,
      signal: stop.signal,
      onEpoch: (_i, r) => {
        if (r.epoch === 2) stop.abort();
      },
      onCheckpoint: async (_i, _b, epoch) => void epochs.push(epoch),
    });
    expect(results.map((r) => [r.status, r.records.length])).toEqual(
      trials.map(() => ["cancelled", 2]),
    );
    expect(epochs).toEqual([2, 2, 2, 2]);
  });

  it("leaves no tensor behind: the count stays flat over epochs and returns to where it was", async () => {
    const trials = sixteen("adamax", 5);
    const before = tf.memory().numTensors;
    const during: number[] = [];
    await trainPack({
      trials,
      data,
      onEpoch: (i) => void (i === 0 && during.push(tf.memory().numTensors)),
    });
    expect(new Set(during).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
