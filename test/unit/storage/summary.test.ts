import { describe, expect, it } from "vitest";
import type { TrialArtifact } from "../../../storage/artifacts";
import { checkpointEpoch, legacyTrialKeys, sweepKeys, trialKeys } from "../../../storage/keys";
import {
  buildSummary,
  leaderboardCsv,
  rankTrials,
  summarizeTrial,
  trainingSeconds,
} from "../../../storage/summary";
import { curvesToCsv } from "../../../storage/trials";

function artifact(trialId: string, status: TrialArtifact["status"], vals: number[]): TrialArtifact {
  return {
    sweepId: "s-1",
    trialId,
    params: { learningRate: vals.length, optimizer: "sgd" },
    config: {} as TrialArtifact["config"],
    status,
    records: vals.map((v, i) => ({
      epoch: i + 1,
      trainLoss: 1 / (i + 1),
      valLoss: 2,
      trainMetric: v,
      valMetric: v,
      seconds: 0.1,
    })),
    attempts: 2,
    resumedFromEpochs: [1],
    backend: "cpu",
    durationSeconds: 1,
    finishedAt: "2026-01-01T00:00:00.000Z",
  };
}

/** The sweep-level fields of a summary that started at midnight and finished at `finishedAt`. */
const header = (finishedAt: string) => ({
  sweepId: "s-1",
  name: "demo",
  task: "classification" as const,
  objective: { metric: "valMetric" as const, mode: "max" as const },
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt,
  artefacts: { spec: "a", summary: "b", leaderboard: "c" },
});

describe("summary", () => {
  it("summarises a trial's final and best validation metric", () => {
    const line = summarizeTrial(artifact("t-a", "completed", [0.2, 0.8, 0.6]), "max");
    expect(line).toMatchObject({
      epochs: 3,
      finalValMetric: 0.6,
      bestValMetric: 0.8,
      attempts: 2,
      resumes: 1,
    });
    expect(summarizeTrial(artifact("t-a", "completed", [0.2, 0.8, 0.6]), "min").bestValMetric).toBe(
      0.2,
    );
  });

  it("drops non-finite values from the summary line", () => {
    const a = artifact("t-n", "diverged", [0.3, Number.NaN]);
    const line = summarizeTrial({ ...a, divergedAtEpoch: 2 }, "max");
    expect(line.finalValMetric).toBeUndefined();
    expect(line.bestValMetric).toBe(0.3);
    expect(line.divergedAtEpoch).toBe(2);
  });

  it("ranks completed trials by objective, the rest after them", () => {
    const lines = [
      summarizeTrial(artifact("t-c", "diverged", [0.99]), "max"),
      summarizeTrial(artifact("t-b", "completed", [0.5]), "max"),
      summarizeTrial(artifact("t-a", "completed", [0.7]), "max"),
    ];
    expect(rankTrials(lines, { metric: "valMetric", mode: "max" }).map((l) => l.trialId)).toEqual([
      "t-a",
      "t-b",
      "t-c",
    ]);
    expect(rankTrials(lines, { metric: "valMetric", mode: "min" }).map((l) => l.trialId)).toEqual([
      "t-b",
      "t-a",
      "t-c",
    ]);
  });

  it("builds counts, wall time and a CSV leaderboard with one row per trial", () => {
    const lines = ["t-1", "t-2"].map((id, i) =>
      summarizeTrial(artifact(id, i ? "failed" : "completed", [0.4]), "max"),
    );
    const summary = buildSummary(header("2026-01-01T00:01:30.000Z"), lines);
    expect(summary.counts).toEqual({ completed: 1, diverged: 0, failed: 1, cancelled: 0 });
    expect(summary.wallSeconds).toBe(90);
    const csv = leaderboardCsv(summary).trim().split("\n");
    expect(csv).toHaveLength(3);
    expect(csv[0]).toBe(
      "rank,trialId,status,learningRate,optimizer,epochs,finalTrainLoss,finalValLoss,finalTrainMetric,finalValMetric,bestValMetric,divergedAtEpoch,attempts,resumes,error",
    );
    expect(csv[1]).toMatch(/^1,t-1,completed,1,sgd,1,/);
  });

  it("writes curves CSV with one row per epoch", () => {
    const csv = curvesToCsv(artifact("t-a", "completed", [0.1, 0.2]).records)
      .trim()
      .split("\n");
    expect(csv).toEqual([
      "epoch,trainLoss,valLoss,trainMetric,valMetric,seconds",
      "1,1,2,0.1,0.1,0.1",
      "2,0.5,2,0.2,0.2,0.1",
    ]);
  });
});

describe("object layout", () => {
  it("derives every key from sweep and trial ids, trials apart from any sweep", () => {
    expect(sweepKeys("s-1").summary).toBe("sweeps/s-1/summary.json");
    expect(sweepKeys("s-1").trialRef("t-0123")).toBe("sweeps/s-1/trials/t-0123.json");
    const t = trialKeys("t-0123");
    expect(t.curves).toBe("trials/t-0123/curves.json");
    expect(t.owner).toBe("trials/t-0123/owner.json");
    expect(t.checkpoint(7)).toBe("trials/t-0123/checkpoints/epoch-000007.ckpt");
    expect(checkpointEpoch(t.checkpoint(120))).toBe(120);
    expect(checkpointEpoch("trials/t/curves.json")).toBeUndefined();
    expect(legacyTrialKeys("s-1", "t-0123").curves).toBe("sweeps/s-1/trials/t-0123/curves.json");
  });

  it("rejects ids that could escape their prefix", () => {
    expect(() => sweepKeys("../x")).toThrow(/invalid sweep id/);
    expect(() => trialKeys("a/b")).toThrow(/invalid trial id/);
    expect(() => sweepKeys("s").trialRef("..")).toThrow(/invalid trial id/);
  });
});

describe("summary after a rerun", () => {
  const at = (finishedAt: string, durationSeconds: number) => ({ finishedAt, durationSeconds });

  it("counts the time some trial trained: overlaps once, gaps between runs not at all", () => {
    expect(
      trainingSeconds([
        at("2026-01-01T00:01:00.000Z", 60), // 00:00–00:01
        at("2026-01-01T00:01:30.000Z", 60), // 00:00:30–00:01:30, overlapping
        at("2026-01-02T00:00:10.000Z", 10), // a day later: 10 s
      ]),
    ).toBe(100);
    expect(trainingSeconds([])).toBe(0);
  });

  it("keeps the training time, counts reused trials and the params' spec order", () => {
    const lines = ["t-1", "t-2", "t-3"].map((id, i) => ({
      ...summarizeTrial(artifact(id, "completed", [0.4, 0.5, 0.6].slice(i)), "max"),
      reused: i > 0,
    }));
    const summary = buildSummary(header("2026-01-01T00:00:01.900Z"), lines, 2770);
    expect(summary.wallSeconds).toBe(1.9);
    expect(summary.trainingSeconds).toBe(2770);
    expect(summary.reused).toBe(2);
    expect(summary.paramValues).toEqual({ learningRate: [3, 2, 1], optimizer: ["sgd"] });
  });
});
