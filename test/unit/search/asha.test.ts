import { describe, expect, it } from "vitest";
import {
  type AshaConfig,
  ashaRungs,
  initialAshaState,
  nextMilestone,
  onRungResult,
} from "../../../spec/search/asha";
import { createRng } from "../../../spec/space/rng";

const config: AshaConfig = { minEpochs: 1, reductionFactor: 3, maxEpochs: 30, mode: "max" };

describe("ashaRungs", () => {
  it("puts rungs at minEpochs * eta^k below maxEpochs", () => {
    expect(ashaRungs(config)).toEqual([1, 3, 9, 27]);
    expect(ashaRungs({ ...config, minEpochs: 5, reductionFactor: 2, maxEpochs: 40 })).toEqual([
      5, 10, 20,
    ]);
    expect(ashaRungs({ ...config, minEpochs: 1, reductionFactor: 1.5, maxEpochs: 5 })).toEqual([
      1, 2, 3,
    ]);
    expect(ashaRungs({ ...config, minEpochs: 30 })).toEqual([]);
  });

  it("sends a promoted trial to the next rung, and past the last to maxEpochs", () => {
    expect(nextMilestone(config, 0)).toBe(3);
    expect(nextMilestone(config, 3)).toBe(30);
  });
});

describe("onRungResult", () => {
  it("promotes a trial in the top 1/eta of the rung so far, asynchronously", () => {
    const state = initialAshaState(config);
    const values = [0.5, 0.7, 0.6, 0.2, 0.9, 0.1];
    const decisions = values.map((v, i) => onRungResult(state, config, `t${i}`, 0, v));
    // Worked by hand: the 2/3 quantile of the values so far (linear interpolation).
    expect(decisions).toEqual(["promote", "promote", "stop", "stop", "promote", "stop"]);
  });

  it("mirrors for mode min", () => {
    const state = initialAshaState({ ...config, mode: "min" });
    const values = [-0.5, -0.7, -0.6, -0.2, -0.9, -0.1];
    const decisions = values.map((v, i) =>
      onRungResult(state, { ...config, mode: "min" }, `t${i}`, 0, v),
    );
    expect(decisions).toEqual(["promote", "promote", "stop", "stop", "promote", "stop"]);
  });

  it("answers a repeated report (a retried activity) with the same decision, counting it once", () => {
    const state = initialAshaState(config);
    onRungResult(state, config, "a", 0, 0.9);
    expect(onRungResult(state, config, "b", 0, 0.1)).toBe("stop");
    expect(onRungResult(state, config, "b", 0, 0.1)).toBe("stop");
    expect(Object.keys(state.rungs[0] ?? {})).toEqual(["a", "b"]);
  });

  it("stops a diverged trial without letting it move the cutoff", () => {
    const state = initialAshaState(config);
    expect(onRungResult(state, config, "nan", 0, Number.NaN)).toBe("stop");
    expect(onRungResult(state, config, "a", 0, 0.1)).toBe("promote");
  });

  it("says complete at or past the last rung", () => {
    expect(onRungResult(initialAshaState(config), config, "a", 4, 0.5)).toBe("complete");
  });

  it("promotes about 1/eta of a rung when values arrive in random order", () => {
    const state = initialAshaState(config);
    const rng = createRng(11);
    const n = 300;
    let promoted = 0;
    for (let i = 0; i < n; i++) {
      if (onRungResult(state, config, `t${i}`, 0, rng.next()) === "promote") promoted++;
    }
    // iid arrivals: each is promoted with probability ~1/3; 0.1 is about four standard deviations.
    expect(Math.abs(promoted / n - 1 / 3)).toBeLessThan(0.1);
  });

  it("drives a sweep rung by rung: the best trial completes, most stop early", () => {
    // 27 trials in random order whose curves keep their ranking: quality q, value q * (1 - 1/(epoch + 1)).
    const rng = createRng(5);
    const quality = Array.from({ length: 27 }, () => rng.next());
    const state = initialAshaState(config);
    const completed: number[] = [];
    let stopped = 0;
    for (let i = 0; i < quality.length; i++) {
      for (let rung = 0; ; rung++) {
        const epoch = ashaRungs(config)[rung] ?? config.maxEpochs;
        const d = onRungResult(
          state,
          config,
          `t${i}`,
          rung,
          (quality[i] as number) * (1 - 1 / (epoch + 1)),
        );
        if (d === "complete") completed.push(i);
        if (d !== "promote") {
          if (d === "stop") stopped++;
          break;
        }
      }
    }
    const best = quality.indexOf(Math.max(...quality));
    expect(completed).toContain(best);
    expect(stopped).toBeGreaterThanOrEqual(27 / 2);
    expect(stopped + completed.length).toBe(27);
  });
});
