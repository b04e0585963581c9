import { beforeAll, describe, expect, it } from "vitest";
import type { TrialConfig } from "../../../spec/types";
import {
  CheckpointError,
  decodeCheckpoint,
  initBackend,
  type PreparedData,
  trainTrial,
} from "../../../training";
import { encodeCheckpoint } from "../../../training/checkpoint";
import { curves, loadBmi, smallMlp } from "./fixtures";

let data: PreparedData;
beforeAll(async () => {
  await initBackend("wasm");
  data = await loadBmi();
});

/** An uninterrupted run that also keeps every epoch's checkpoint. */
async function runWithCheckpoints(trial: TrialConfig) {
  const saved = new Map<number, Uint8Array>();
  const full = await trainTrial({
    trial,
    data,
    checkpointEvery: 1,
    onCheckpoint: async (bytes, epoch) => void saved.set(epoch, bytes),
  });
  return { full, saved };
}

describe("checkpoint / restore exactness", () => {
  const trials: Array<[string, TrialConfig]> = [
    ["sgd + momentum 0.9", smallMlp({ opt: { name: "sgd", learningRate: 1e-3, momentum: 0.9 } })],
    ["adam", smallMlp({ opt: { name: "adam" } })],
  ];
  for (const [label, trial] of trials) {
    it(`${label}: resuming at epochs 1, 4 and 9 reproduces the uninterrupted curves bit for bit`, async () => {
      const { full, saved } = await runWithCheckpoints(trial);
      expect(full.status).toBe("completed");
      expect(saved.size).toBe(trial.epochs);
      for (const at of [1, 4, 9]) {
        const resumed = await trainTrial({ trial, data, resumeFrom: saved.get(at)! });
        expect(resumed.resumedFromEpoch).toBe(at);
        expect(resumed.records.map((r) => r.epoch)).toEqual(full.records.map((r) => r.epoch));
        expect(curves(resumed.records)).toEqual(curves(full.records));
      }
    });
  }

  it("segments (untilEpoch 1, then 3, then the end) pause with a checkpoint and add up to one run", async () => {
    const trial = smallMlp({ opt: { name: "sgd", learningRate: 1e-2, momentum: 0.9 }, epochs: 8 });
    const reference = await trainTrial({ trial, data });
    let resumeFrom: Uint8Array | undefined;
    const seen: number[] = [];
    for (const untilEpoch of [1, 3]) {
      const part = await trainTrial({
        trial,
        data,
        untilEpoch,
        checkpointEvery: 2,
        ...(resumeFrom ? { resumeFrom } : {}),
        onCheckpoint: async (bytes, epoch) => {
          resumeFrom = bytes;
          seen.push(epoch);
        },
      });
      expect(part.status).toBe("paused");
      expect(part.records.map((r) => r.epoch)).toEqual(
        Array.from({ length: untilEpoch }, (_, i) => i + 1),
      );
    }
    // Epoch 2 by checkpointEvery, 1 and 3 because a segment ends there.
    expect(seen).toEqual([1, 2, 3]);
    const rest = await trainTrial({ trial, data, resumeFrom: resumeFrom! });
    expect(rest.status).toBe("completed");
    expect(curves(rest.records)).toEqual(curves(reference.records));
  });

  it("a cancelled trial writes a checkpoint and resumes to the same curves", async () => {
    const trial = smallMlp({ opt: { name: "adam" }, epochs: 8 });
    const reference = await trainTrial({ trial, data });
    const abort = new AbortController();
    let ckpt: { bytes: Uint8Array; epoch: number } | undefined;
    const cancelled = await trainTrial({
      trial,
      data,
      signal: abort.signal,
      onEpoch: (r) => {
        if (r.epoch === 5) abort.abort();
      },
      onCheckpoint: async (bytes, epoch) => {
        ckpt = { bytes, epoch };
      },
    });
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.records).toHaveLength(5);
    expect(ckpt?.epoch).toBe(5);
    const resumed = await trainTrial({ trial, data, resumeFrom: ckpt!.bytes });
    expect(resumed.status).toBe("completed");
    expect(curves(resumed.records)).toEqual(curves(reference.records));
  });

  it("linear model: resume is exact too", async () => {
    const ds = (await import("./fixtures")).bmiRegression;
    const lin = await loadBmi({ ...ds, standardize: true });
    const trial: TrialConfig = {
      ...smallMlp({ opt: { name: "sgd", learningRate: 0.01 } }),
      dataset: ds,
      model: { type: "linear", alpha: 1e-4 },
    };
    const saved = new Map<number, Uint8Array>();
    const full = await trainTrial({
      trial,
      data: lin,
      checkpointEvery: 3,
      onCheckpoint: async (b, e) => void saved.set(e, b),
    });
    expect([...saved.keys()]).toEqual([3, 6, 9]);
    const resumed = await trainTrial({ trial, data: lin, resumeFrom: saved.get(6)! });
    expect(curves(resumed.records)).toEqual(curves(full.records));
  });
});

describe("checkpoint format", () => {
  const state = {
    model: "mlp" as const,
    identity: {
      model: { type: "linear" as const, alpha: 1 },
      optimizer: { name: "sgd" as const, learningRate: 1 },
      batchSize: 1,
      seed: 3,
    },
    epoch: 2,
    iterations: 7,
    rng: [1, 2, 3, 4] as [number, number, number, number],
    records: [
      {
        epoch: 1,
        trainLoss: Number.NaN,
        valLoss: Number.POSITIVE_INFINITY,
        trainMetric: 0.5,
        valMetric: -0,
        seconds: 1,
      },
    ],
    arrays: [
      { name: "a", dtype: "float32" as const, shape: [2], data: Float32Array.of(1.5, -2) },
      { name: "b", dtype: "float64" as const, shape: [1, 1], data: Float64Array.of(Math.PI) },
    ],
  };

  it("round-trips header, non-finite records and buffers", () => {
    const bytes = encodeCheckpoint(state);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("HSCK");
    expect(decodeCheckpoint(bytes)).toEqual(state);
  });

  it("rejects bad magic, unknown versions, truncation and another trial's checkpoint", async () => {
    const bytes = encodeCheckpoint(state);
    expect(() => decodeCheckpoint(Uint8Array.from([1, 2, 3, 4, ...bytes.subarray(4)]))).toThrow(
      /bad magic/,
    );
    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(4, 2, true);
    expect(() => decodeCheckpoint(v2)).toThrow(/version 2/);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    const { saved } = await runWithCheckpoints(smallMlp({ epochs: 1 }));
    const other = smallMlp({ epochs: 3, seed: 2 });
    await expect(
      trainTrial({ trial: other, data, resumeFrom: saved.get(1)! }),
    ).rejects.toBeInstanceOf(CheckpointError);
  });
});
