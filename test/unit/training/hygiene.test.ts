import * as tf from "@tensorflow/tfjs";
import { expect, it } from "vitest";
import type { OptimizerName } from "../../../spec/types";
import { initBackend, loadDataset, trainTrial } from "../../../training";
import { smallMlp } from "./fixtures";

it("100 trials (all optimizers, diverged, cancelled and resumed ones) leave no tensors behind", async () => {
  await initBackend("wasm");
  const rows = Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 11},${i % 3}`);
  const ds = {
    source: "t.csv",
    features: ["a", "b"],
    target: "y",
    task: "classification" as const,
    split: { head: 30 },
    standardize: false,
  };
  const data = await loadDataset(ds, async () => `a,b,y\n${rows.join("\n")}\n`);
  const names: OptimizerName[] = ["sgd", "adam", "adamax", "adagrad", "rmsprop"];
  await trainTrial({ trial: smallMlp({ dataset: ds, epochs: 1 }), data }); // warm-up: backend-owned tensors
  const start = tf.memory().numTensors;
  const statuses = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const blowUp = i % 10 === 9;
    const name = blowUp ? "sgd" : names[i % names.length]!;
    const lr = blowUp ? 1e38 : 0.01;
    const trial = smallMlp({
      dataset: ds,
      model: { type: "mlp", hidden: [4], activation: "tanh" },
      opt: { name, learningRate: lr, momentum: i % 2 ? 0.9 : 0 },
      epochs: 3,
      batchSize: 8,
      seed: i,
    });
    const abort = new AbortController();
    let ckpt: Uint8Array | undefined;
    const r = await trainTrial({
      trial,
      data,
      signal: abort.signal,
      onEpoch: (rec) => {
        if (i % 4 === 0 && rec.epoch === 2) abort.abort();
      },
      onCheckpoint: async (bytes) => {
        ckpt = bytes;
      },
    });
    statuses.add(r.status);
    if (ckpt) statuses.add((await trainTrial({ trial, data, resumeFrom: ckpt })).status);
  }
  expect(statuses).toEqual(new Set(["completed", "cancelled", "diverged"]));
  expect(tf.memory().numTensors).toBe(start);
});
