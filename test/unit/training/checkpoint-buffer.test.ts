import { describe, expect, it } from "vitest";
import {
  type CheckpointState,
  decodeCheckpoint,
  encodeCheckpoint,
} from "../../../training/checkpoint";

// Checkpoints come back from S3 as Node Buffers, which may be views into a larger pooled
// ArrayBuffer: decoding must honour byteOffset and never read past the view.
describe("checkpoint bytes from a Buffer view", () => {
  it("decodes the same arrays when the bytes sit at an offset inside a larger buffer", () => {
    const state: CheckpointState = {
      model: "mlp",
      identity: {
        model: { type: "mlp", hidden: [2], activation: "relu" },
        optimizer: { name: "sgd", learningRate: 0.1, momentum: 0, nesterov: false },
        batchSize: 4,
        seed: 1,
      },
      epoch: 3,
      iterations: 12,
      rng: [1, 2, 3, 4],
      records: [],
      arrays: [
        { name: "w", dtype: "float32", shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
        { name: "b", dtype: "float64", shape: [2], data: Float64Array.from([0.5, -0.25]) },
      ],
    };
    const encoded = encodeCheckpoint(state);
    const pool = Buffer.alloc(encoded.length + 64, 7);
    pool.set(encoded, 24);
    const view = pool.subarray(24, 24 + encoded.length);
    const decoded = decodeCheckpoint(view);
    expect(decoded.epoch).toBe(3);
    expect(Array.from(decoded.arrays[0]!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(decoded.arrays[1]!.data)).toEqual([0.5, -0.25]);
  });
});
