import { describe, expect, it } from "vitest";
import { buildReport } from "../../../report";
import { paramAxes } from "../../../report/model";
import { bestSoFar, parallelData, STOPPED, stopData } from "../../../report/search";
import type { TrialSummary } from "../../../storage/artifacts";
import { makeReportInput, withStoppedTrials } from "../../fixtures/report-input";
import { attrValues, sectionWith } from "./helpers";

const line = (
  trialId: string,
  params: TrialSummary["params"],
  status: TrialSummary["status"],
  finalValMetric?: number,
): TrialSummary => ({
  trialId,
  params,
  status,
  epochs: 10,
  attempts: 1,
  resumes: 0,
  ...(finalValMetric === undefined ? {} : { finalValMetric }),
});

describe("parallel coordinates data", () => {
  const lines = [
    line("a", { optimizer: "sgd", learningRate: 1e-4, seed: 1 }, "completed", 0.5),
    line("b", { optimizer: "adam", learningRate: 1e-2, seed: 1 }, "completed", 0.9),
    line("c", { optimizer: "sgd", learningRate: 1e-1, seed: 1 }, "diverged"),
    line("d", { optimizer: "adam", learningRate: 1e-3, seed: 1 }, "completed", 0.7),
  ];
  const axes = paramAxes(lines, {
    optimizer: ["sgd", "adam"],
    learningRate: [1e-4, 1e-3, 1e-2, 1e-1],
  });
  const objective = { metric: "valMetric", mode: "max" } as const;
  const data = parallelData(lines, ["optimizer", "learningRate"], axes, objective);

  it("has an axis per parameter then the objective, and a line per trial with an objective", () => {
    expect(data.axes.map((a) => a.name)).toEqual(["optimizer", "learningRate", "valMetric (max)"]);
    expect(data.without).toBe(1);
    expect(new Set(data.points.map((p) => p.trialId))).toEqual(new Set(["a", "b", "d"]));
    expect(data.points).toHaveLength(3 * 3);
    for (const p of data.points) expect(p.at).toBeGreaterThanOrEqual(0);
    for (const p of data.points) expect(p.at).toBeLessThanOrEqual(1);
  });

  it("places categories in spec order, wide numeric ranges on a log scale, the objective linearly", () => {
    const at = (trial: string, axis: string) =>
      data.points.find((p) => p.trialId === trial && p.axis === axis)?.at;
    expect(data.axes[0]).toMatchObject({ scale: "ordinal" });
    expect(data.axes[0]!.ticks.map((t) => t.label)).toEqual(["sgd", "adam"]);
    expect([at("a", "optimizer"), at("b", "optimizer")]).toEqual([0, 1]);
    expect(data.axes[1]!.scale).toBe("log");
    // 1e-4, 1e-3, 1e-2 over a log span of two decades: 0, 0.5, 1.
    expect(at("a", "learningRate")).toBeCloseTo(0);
    expect(at("d", "learningRate")).toBeCloseTo(0.5);
    expect(at("b", "learningRate")).toBeCloseTo(1);
    expect(data.axes[2]!.scale).toBe("linear");
    expect(at("a", "valMetric (max)")).toBeCloseTo(0);
    expect(at("d", "valMetric (max)")).toBeCloseTo(0.5);
    expect(at("b", "valMetric (max)")).toBeCloseTo(1);
    expect(data.points.filter((p) => p.trialId === "b").map((p) => p.objective)).toEqual([
      0.9, 0.9, 0.9,
    ]);
  });
});

describe("objective over trial order", () => {
  it("orders trials by when they finished and keeps the best so far (min objective)", () => {
    const input = makeReportInput({ task: "regression", seeds: 1, epochs: 5 });
    const n = input.trials.length;
    // Finished in reverse of expansion order.
    const trials = input.trials.map((t, i) => ({
      ...t,
      finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n - i)).toISOString(),
    }));
    const points = bestSoFar(
      { ...input.summary, objective: { metric: "valMetric", mode: "min" } },
      trials,
    );
    expect(points.map((p) => p.trialId)).toEqual(trials.map((t) => t.trialId).reverse());
    expect(points.map((p) => p.order)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    let best = Number.POSITIVE_INFINITY;
    for (const p of points) {
      if (p.objective !== null) best = Math.min(best, p.objective);
      expect(p.best).toBe(Number.isFinite(best) ? best : null);
    }
    expect(points.some((p) => p.objective === null)).toBe(true);
  });
});

describe("stop points", () => {
  it("marks the last epoch of stopped trials only; curves of all trials", () => {
    const input = withStoppedTrials(makeReportInput({ epochs: 20 }), 3, 6);
    const { curves, marks } = stopData(input.trials);
    const stopped = input.trials.filter((t) => (t.status as string) === STOPPED);
    expect(stopped.length).toBeGreaterThan(0);
    expect(marks.map((m) => m.trialId)).toEqual(stopped.map((t) => t.trialId));
    for (const m of marks) expect(m.epoch).toBe(6);
    expect(curves.filter((c) => c.stopped).every((c) => c.epoch <= 6)).toBe(true);
    expect(new Set(curves.map((c) => c.trialId)).size).toBeGreaterThan(stopped.length);
    expect(stopData(makeReportInput({ epochs: 5 }).trials).marks).toEqual([]);
  });
});

describe("the report's search section", () => {
  it("shows parallel coordinates and best so far; stop points only when trials stopped", async () => {
    const plain = sectionWith(
      await buildReport(makeReportInput({ epochs: 20 })),
      'data-section="search"',
    );
    expect(plain).toContain("data-parallel");
    expect(plain).toContain("data-best-so-far");
    expect(plain).not.toContain("data-stops");
    expect(attrValues(plain, "data-axis")).toEqual(["learningRate", "valMetric (max)"]);

    const input = withStoppedTrials(makeReportInput({ epochs: 20 }), 3, 6);
    const html = sectionWith(await buildReport(input), 'data-section="search"');
    const stopped = input.trials.filter((t) => (t.status as string) === STOPPED);
    expect(attrValues(html, "data-stop")).toEqual(stopped.map((t) => t.trialId));
    expect(attrValues(html, "data-order")).toHaveLength(input.summary.leaderboard.length);
  });
});
