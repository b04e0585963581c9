import { describe, expect, it } from "vitest";
import { progressLine } from "../../../cli/format";
import {
  bestText,
  humanDuration,
  LEGEND,
  metricLabel,
  roundValue,
} from "../../../cli/progress-view";
import { plainRenderer, viewLines } from "../../../cli/wait";
import type { SweepEvent } from "../../../client";
import type { SweepProgress } from "../../../workflows/definitions";

const progress = (patch: Partial<SweepProgress> = {}): SweepProgress => ({
  sweepId: "mlp-1a2b3c4d",
  total: 4,
  started: 2,
  counts: { completed: 1, diverged: 0, failed: 0, cancelled: 0 },
  reused: 0,
  running: ["t-b"],
  paused: false,
  cancelled: false,
  maxParallel: 2,
  best: {
    trialId: "t-a",
    status: "completed",
    epochs: 10,
    objective: 0.35499998927116394,
    attempts: 1,
    resumes: 0,
    reused: false,
  },
  runs: 1,
  historyLength: 10,
  ...patch,
});

const ctx = {
  task: "classification" as const,
  metric: "valMetric" as const,
  epochs: 10,
  params: new Map([
    ["t-a", { optimizer: "sgd", learningRate: 0.001 }],
    ["t-b", { optimizer: "adam", learningRate: 0.01 }],
  ]),
};

describe("live progress view", () => {
  it("says an ETA in hours and minutes, not raw seconds", () => {
    expect(humanDuration(5400)).toBe("1 h 30 min");
    expect(humanDuration(42)).toBe("42 s");
    expect(humanDuration(600)).toBe("10 min");
    expect(humanDuration(90_000)).toBe("1 d 1 h");
    // 1 of 4 done after 1800 s: 3 more at that rate.
    expect(progressLine(progress(), 1800)).toContain("ETA 1 h 30 min");
    expect(progressLine(progress(), 1800)).not.toMatch(/ETA \d+ s/);
  });

  it("moves before any trial finished: a running trial's epochs count", () => {
    const p = progress({ counts: { completed: 0, diverged: 0, failed: 0, cancelled: 0 } });
    expect(progressLine(p, 60)).toContain("ETA ?");
    const half = progressLine(p, 60, 30, {
      trials: [{ trialId: "t-b", epoch: 5, attempt: 1, queued: false }],
      epochs: 10,
    });
    // Half of one trial in 60 s: 3.5 trials left take 7 min.
    expect(half).toContain("ETA 7 min");
  });

  it("names the best trial by metric, rounded value and parameters", () => {
    const text = bestText(progress().best, ctx);
    expect(text).toBe("best valAccuracy 0.355 (t-a: optimizer=sgd learningRate=0.001)");
    expect(metricLabel("regression", "valMetric")).toBe("valMse");
    expect(metricLabel("regression", "valLoss")).toBe("valLoss");
    expect(roundValue(0.000012345)).toBe("1.23e-5");
  });

  it("shows each running trial with its epoch of the total and its parameters, and a legend", () => {
    const event: SweepEvent = {
      type: "progress",
      sweepId: "mlp-1a2b3c4d",
      progress: progress(),
      trials: [{ trialId: "t-b", epoch: 7, attempt: 2, queued: false }],
      elapsedSeconds: 30,
    };
    const lines = viewLines(event, ctx);
    expect(lines).toContain("  t-b epoch 7/10 (attempt 2)  optimizer=adam learningRate=0.01");
    expect(lines).toContain(`  ${LEGEND}`);
    expect(LEGEND).toBe("✓ completed  ↯ diverged  ✗ failed  ⊘ cancelled");
  });

  it("off a terminal, writes a line only when something changed", () => {
    const out: string[] = [];
    const render = plainRenderer((s) => out.push(s), ctx);
    const event = (epoch: number): SweepEvent => ({
      type: "progress",
      sweepId: "mlp-1a2b3c4d",
      progress: progress(),
      trials: [{ trialId: "t-b", epoch, attempt: 1, queued: false }],
      elapsedSeconds: 30,
    });
    render(event(1));
    render(event(1));
    render(event(2));
    expect(out).toHaveLength(2);
    expect(out.every((l) => l.endsWith("\n") && !l.includes("\r"))).toBe(true);
    expect(out[0]).toContain("best valAccuracy 0.355");
  });
});
