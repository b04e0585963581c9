import { describe, expect, it } from "vitest";
import type { TrialOutcome } from "../../../workflows/definitions";
import {
  checkMaxParallel,
  finishedCount,
  initialState,
  isBetter,
  recordOutcome,
} from "../../../workflows/sweep-state";

const outcome = (
  trialId: string,
  status: TrialOutcome["status"],
  objective?: number,
): TrialOutcome => ({
  trialId,
  status,
  epochs: 10,
  ...(objective === undefined ? {} : { objective }),
  attempts: 1,
  resumes: 0,
  reused: false,
});

describe("sweep state", () => {
  it("counts outcomes by status and keeps the best completed trial (max)", () => {
    const s = initialState(4, "2026-01-01T00:00:00.000Z");
    recordOutcome(s, outcome("a", "completed", 0.5), "max");
    recordOutcome(s, outcome("b", "diverged"), "max");
    recordOutcome(s, outcome("c", "completed", 0.7), "max");
    recordOutcome(s, outcome("d", "failed"), "max");
    recordOutcome(s, { ...outcome("e", "completed", 0.6), reused: true }, "max");
    expect(s.counts).toEqual({ completed: 3, diverged: 1, failed: 1, cancelled: 0 });
    expect(s.best?.trialId).toBe("c");
    expect(s.reused).toBe(1);
    expect(finishedCount(s.counts)).toBe(5);
  });

  it("minimises for min objectives and never lets an undefined objective win", () => {
    expect(isBetter(outcome("a", "completed", 1), outcome("b", "completed", 2), "min")).toBe(true);
    expect(isBetter(outcome("a", "completed", 3), outcome("b", "completed", 2), "min")).toBe(false);
    expect(isBetter(outcome("a", "completed"), outcome("b", "completed", 2), "max")).toBe(false);
    expect(isBetter(outcome("a", "completed", 0), undefined, "max")).toBe(true);
  });

  it("does not count a diverged trial as best even with a better objective", () => {
    const s = initialState(1, "2026-01-01T00:00:00.000Z");
    recordOutcome(s, outcome("a", "completed", 0.2), "max");
    recordOutcome(s, outcome("b", "diverged", 0.9), "max");
    expect(s.best?.trialId).toBe("a");
  });

  it("accepts only positive integers for maxParallel", () => {
    expect(checkMaxParallel(3)).toBeUndefined();
    for (const bad of [0, -1, 1.5, "2", Number.NaN])
      expect(checkMaxParallel(bad)).toMatch(/maxParallel/);
  });
});
