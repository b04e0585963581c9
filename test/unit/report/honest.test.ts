/** Report defects that misled a reader (issue 12); each test failed before its fix. */
import { describe, expect, it } from "vitest";
import { leaderboardText } from "../../../cli/format";
import { buildReport, type ReportInput } from "../../../report";
import { barData } from "../../../report/bars";
import { numberFormat } from "../../../report/format";
import { paramAxes } from "../../../report/model";
import type { TrialSummary } from "../../../storage/artifacts";
import { makeReportInput } from "../../fixtures/report-input";
import { attrValues, sectionWith } from "./helpers";

/** The cell texts of each column of the leaderboard, by `data-col`. */
function leaderboardColumns(html: string): Map<string, string[]> {
  const table = sectionWith(html, 'data-section="leaderboard"');
  const keys = attrValues(table.slice(0, table.indexOf("</thead>")), "data-col");
  const rows = [...table.matchAll(/<tr data-trial=[^>]*>(.*?)<\/tr>/g)].map((m) =>
    [...(m[1] ?? "").matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) =>
      (c[1] ?? "").replace(/<[^>]+>/g, ""),
    ),
  );
  return new Map(keys.map((key, i) => [key, rows.map((r) => r[i] ?? "")]));
}

/** Adam trials of `input` lose `momentum`, as the spec's expansion leaves it out for them. */
function withoutMomentumOnAdam(input: ReportInput): ReportInput {
  const strip = <T extends { params: Record<string, unknown> }>(t: T): T => {
    if (t.params.optimizer !== "adam") return t;
    const { momentum: _, ...params } = t.params;
    return { ...t, params } as T;
  };
  return {
    summary: { ...input.summary, leaderboard: input.summary.leaderboard.map(strip) },
    trials: input.trials.map(strip),
  };
}

describe("one-axis sweeps: bars, not a one-row heatmap", () => {
  const input = makeReportInput({ grid: { learningRate: [0.03, 0.01, 0.003] }, epochs: 40 });

  it("draws bars from zero with min–max whiskers over seeds, in spec order", async () => {
    const html = await buildReport(input);
    expect(html).not.toContain("data-heatmap");
    const bars = sectionWith(html, "data-bars");
    expect(bars).not.toMatch(/linearGradient|viridis/);
    expect(bars).toContain("bar_marks");
    expect(bars).toContain("whisker_marks");
    expect(attrValues(bars, "data-bar")).toEqual(["0.03", "0.01", "0.003"]);
    const data = barData({
      ...input.summary,
      param: "learningRate",
      axes: paramAxes(input.trials),
    });
    for (const bar of data) {
      const finals = input.summary.leaderboard
        .filter((t) => t.status === "completed" && String(t.params.learningRate) === bar.x)
        .map((t) => t.finalValMetric as number);
      expect(bar.seeds).toBe(3);
      expect(bar.mean).toBeCloseTo(finals.reduce((s, v) => s + v, 0) / finals.length, 10);
      expect([bar.lo, bar.hi]).toEqual([Math.min(...finals), Math.max(...finals)]);
    }
  });

  it("keeps the heatmap for two axes", async () => {
    const html = await buildReport(
      makeReportInput({ grid: { learningRate: [0.01, 0.001], momentum: [0, 0.9] }, epochs: 10 }),
    );
    expect(html).toContain('data-heatmap="2d"');
    expect(html).not.toContain("data-bars");
  });
});

describe("fixed parameters", () => {
  it("says which trials a single-valued param applies to (momentum: sgd, not adam)", async () => {
    const input = withoutMomentumOnAdam(
      makeReportInput({
        grid: { optimizer: ["sgd", "adam"], learningRate: [0.01, 0.001], momentum: [0.9] },
        epochs: 10,
      }),
    );
    const html = await buildReport(input);
    const sub = html.slice(
      html.indexOf('<p class="sub">'),
      html.indexOf("</p>", html.indexOf('<p class="sub">')),
    );
    expect(sub).toContain("fixed: momentum=0.9 (optimizer=sgd only)");
    expect(sub).not.toMatch(/momentum=0\.9(?! \()/);
  });

  it("lists a param every trial has plainly", async () => {
    const html = await buildReport(
      makeReportInput({ grid: { learningRate: [0.01, 0.001], momentum: [0.9] }, epochs: 5 }),
    );
    expect(html).toContain("fixed: momentum=0.9</p>");
  });
});

describe("number formats", () => {
  it("writes a whole axis or column in one notation", () => {
    const axis = numberFormat([1, 0.1, 0.001, 1e-4, 1e-7]);
    expect([1, 0.1, 0.001, 1e-4, 1e-7].map(axis)).toEqual(["1e0", "1e-1", "1e-3", "1e-4", "1e-7"]);
    const plain = numberFormat([0.9, 0.99, 0]);
    expect([0.9, 0.99, 0].map(plain)).toEqual(["0.9", "0.99", "0"]);
    const rounded = numberFormat([283.7, 0.0000123], 3);
    expect([283.7, 0.0000123].map(rounded)).toEqual(["2.84e2", "1.23e-5"]);
    expect(numberFormat([0.86531], 4)(0.86531)).toBe("0.8653");
  });

  it("never mixes `1e-4` with `0.001` in panels, tables or legends", async () => {
    for (const input of [
      makeReportInput(),
      makeReportInput({ task: "regression", epochs: 40 }),
      makeReportInput({
        grid: { learningRate: [1e-3, 1e-4], epsilon: [1e-7, 1e-6, 0.001] },
        epochs: 5,
      }),
    ]) {
      const html = await buildReport(input);
      for (const [col, texts] of leaderboardColumns(html)) {
        if (col === "trialId" || col === "status") continue;
        const numbers = texts.filter((t) => /^-?[\d.]+(e-?\d+)?$/.test(t) && t !== "0");
        const exp = numbers.filter((t) => t.includes("e"));
        expect(exp.length === 0 || exp.length === numbers.length, `${col}: ${numbers}`).toBe(true);
      }
      const panels = attrValues(sectionWith(html, 'data-grid="metric"'), "data-panel");
      const exp = panels.filter((t) => t.includes("e"));
      expect(exp.length === 0 || exp.length === panels.length, panels.join(" ")).toBe(true);
    }
  });
});

describe("colour", () => {
  const swatches = (html: string) =>
    Object.fromEntries(
      [
        ...sectionWith(html, 'data-grid="metric"').matchAll(
          /data-legend="([^"]*)"><svg[^>]*><line [^>]*stroke="([^"]*)"[^>]*stroke-dasharray="([^"]*)"/g,
        ),
      ].map((m) => [m[1], { stroke: m[2], dash: m[3] }]),
    );

  it("means the configuration in every report; train/validation is the dash", async () => {
    const single = swatches(await buildReport(makeReportInput({ epochs: 10 })));
    const multi = swatches(
      await buildReport(
        makeReportInput({
          grid: { learningRate: [0.1, 0.01], optimizer: ["sgd", "adam"] },
          epochs: 10,
        }),
      ),
    );
    for (const legend of [single, multi]) {
      expect(legend.train?.stroke).toBe(legend.validation?.stroke);
      expect(legend.train?.dash).toBe("1 0");
      expect(legend.validation?.dash).toBe("5 3");
    }
    expect(multi["optimizer=sgd"]?.stroke).not.toBe(multi["optimizer=adam"]?.stroke);
  });
});

describe("spec order", () => {
  it("puts panels and legend entries in the spec's order, not alphabetically", async () => {
    const html = await buildReport(
      makeReportInput({
        grid: { optimizer: ["sgd", "rmsprop", "adam"], learningRate: [0.1, 0.01] },
        epochs: 5,
      }),
    );
    const grid = sectionWith(html, 'data-grid="metric"');
    expect(attrValues(grid, "data-panel")).toEqual(["sgd", "rmsprop", "adam"]);
    expect(attrValues(grid, "data-legend").slice(0, 2)).toEqual([
      "learningRate=0.1",
      "learningRate=0.01",
    ]);
  });
});

describe("reruns", () => {
  it("show the training time and which trials were reused, not the rerun's seconds", async () => {
    const input = makeReportInput({ grid: { learningRate: [0.01, 0.001] }, epochs: 10 });
    const reused = (t: TrialSummary, i: number) => ({ ...t, reused: i !== 0 });
    const leaderboard = input.summary.leaderboard.map(reused);
    const html = await buildReport({
      ...input,
      summary: {
        ...input.summary,
        leaderboard,
        wallSeconds: 1.9,
        trainingSeconds: 2770,
        reused: 5,
      },
    });
    expect(html).toMatch(
      /data-wall><span class="k">training time<\/span><span class="v">46 min 10 s</,
    );
    expect(html).toMatch(/data-run-wall><span class="k">this run<\/span><span class="v">1.9 s</);
    expect(html).toMatch(/data-reused-total><span class="k">reused<\/span><span class="v">5 of 6</);
    expect(html).toContain(
      "5 of 6 trials reused, already trained by an earlier run or another sweep",
    );
    const rows = [...html.matchAll(/<tr data-trial="([^"]+)"[^>]*data-reused=""/g)].map(
      (m) => m[1],
    );
    expect(rows).toEqual(leaderboard.filter((t) => t.reused).map((t) => t.trialId));
  });

  it("keep the training time in the CLI's summary line too", () => {
    const { summary } = makeReportInput({ grid: { learningRate: [0.01] }, epochs: 5 });
    const rerun = { ...summary, wallSeconds: 1.9, trainingSeconds: 2770, reused: 3 };
    expect(leaderboardText(rerun)).toContain(
      "training time 2770.0 s (this run 1.9 s, 3 of 3 trials reused)",
    );
    expect(leaderboardText(summary)).toContain("wall time 2833.0 s");
  });
});
