import { describe, expect, it } from "vitest";
import {
  initialMedianState,
  type MedianConfig,
  onEpochResult,
} from "../../../spec/search/median-stopping";

const config: MedianConfig = { warmupEpochs: 2, minTrials: 3, mode: "max" };

/** Three other trials with values 0.4, 0.5, 0.6 at every epoch up to 10. */
function withOthers(c: MedianConfig = config) {
  const state = initialMedianState();
  for (const [id, v] of [
    ["a", 0.4],
    ["b", 0.5],
    ["c", 0.6],
  ] as const) {
    for (let e = 1; e <= 10; e++) onEpochResult(state, c, id, e, c.mode === "max" ? v : -v);
  }
  return state;
}

describe("onEpochResult (median stopping)", () => {
  it("stops a trial worse than the others' median at that epoch, keeps one at or above it", () => {
    const state = withOthers();
    expect(onEpochResult(state, config, "good", 5, 0.5)).toBe("continue");
    expect(onEpochResult(state, config, "bad", 5, 0.45)).toBe("stop");
  });

  it("mirrors for mode min", () => {
    const min = { ...config, mode: "min" as const };
    const state = withOthers(min);
    expect(onEpochResult(state, min, "good", 5, -0.55)).toBe("continue");
    expect(onEpochResult(state, min, "bad", 5, -0.45)).toBe("stop");
  });

  it("judges no epoch within the warm-up", () => {
    const state = withOthers();
    expect(onEpochResult(state, config, "bad", 2, 0.1)).toBe("continue");
    expect(onEpochResult(state, config, "bad", 3, 0.1)).toBe("stop");
  });

  it("waits for minTrials other trials at the epoch, not counting the trial itself", () => {
    const state = initialMedianState();
    onEpochResult(state, config, "a", 5, 0.9);
    onEpochResult(state, config, "b", 5, 0.9);
    expect(onEpochResult(state, config, "x", 5, 0.1)).toBe("continue");
    expect(onEpochResult(state, config, "x", 5, 0.1)).toBe("continue");
    onEpochResult(state, config, "c", 5, 0.9);
    expect(onEpochResult(state, config, "x", 5, 0.1)).toBe("stop");
  });

  it("compares epoch with epoch: values at other epochs do not count", () => {
    const state = withOthers();
    expect(onEpochResult(state, config, "late", 11, 0.01)).toBe("continue");
  });

  it("stops a diverged trial after the warm-up and leaves NaN out of others' medians", () => {
    const state = withOthers();
    expect(onEpochResult(state, config, "nan", 5, Number.NaN)).toBe("stop");
    // Others at 5: 0.4, 0.5, 0.6 (NaN left out): median 0.5.
    expect(onEpochResult(state, config, "x", 5, 0.5)).toBe("continue");
  });
});
