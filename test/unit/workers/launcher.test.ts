import { describe, expect, it } from "vitest";
import { planSlots, visibleGpus } from "../../../workers/launcher";

describe("worker slot planning", () => {
  it("runs one CPU training process per slot", () => {
    expect(planSlots(false, 3, []).processes).toEqual([{ index: 0 }, { index: 1 }, { index: 2 }]);
    expect(planSlots(false, undefined, []).processes.length).toBeGreaterThanOrEqual(1);
  });

  it("pins one process per visible GPU by default", () => {
    expect(planSlots(true, undefined, ["2", "5"]).processes).toEqual([
      { index: 0, gpu: "2" },
      { index: 1, gpu: "5" },
    ]);
    // More slots than GPUs share the devices round-robin.
    expect(planSlots(true, 3, ["0", "1"]).processes.map((p) => p.gpu)).toEqual(["0", "1", "0"]);
  });

  it("reads CUDA_VISIBLE_DEVICES, ignoring the 'no GPU' marker", () => {
    expect(visibleGpus({ CUDA_VISIBLE_DEVICES: "0, 3" })).toEqual(["0", "3"]);
    expect(visibleGpus({ CUDA_VISIBLE_DEVICES: "-1" })).toEqual([]);
  });
});
