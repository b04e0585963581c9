import { beforeAll, describe, expect, it } from "vitest";
import { buildReport } from "../../../report";
import { packingOf } from "../../../report/overview";
import { EXPERIMENT_2_RATES, makeReportInput } from "../../fixtures/report-input";
import { attrValues, count, panel, sectionWith } from "./helpers";

describe("buildReport on experiment 2 (8 rates × 3 seeds, 200 epochs)", () => {
  const input = makeReportInput();
  let html = "";
  beforeAll(async () => {
    html = await buildReport(input);
  }, 60_000); // a 200-epoch, 24-trial report: seconds alone, far longer on a loaded machine

  it("draws one accuracy panel and one loss panel per learning rate, 4 rows × 2 columns", () => {
    for (const kind of ["metric", "loss"]) {
      const grid = sectionWith(html, `data-grid="${kind}"`);
      // The spec's order (1 … 1e-7), in one notation: never `1e-4` beside `0.001`.
      expect(attrValues(grid, "data-panel")).toEqual([
        "1e0",
        "1e-1",
        "1e-2",
        "1e-3",
        "1e-4",
        "1e-5",
        "1e-6",
        "1e-7",
      ]);
      expect(count(grid, /<svg [^>]*class="marks"/)).toBe(EXPERIMENT_2_RATES.length);
      expect(grid).toContain('data-rows="4" data-cols="2"');
    }
  });

  it("has legend entries for train, validation, the seed band and divergence", () => {
    const grid = sectionWith(html, 'data-grid="metric"');
    expect(attrValues(grid, "data-legend")).toEqual(["train", "validation", "band", "diverged"]);
  });

  it("marks diverged trials where they stop, and only there", () => {
    const grid = sectionWith(html, 'data-grid="metric"');
    expect(panel(grid, "1e0")).toContain('data-diverged="3"');
    expect(panel(grid, "1e0")).toContain("3 diverged @ 3–5");
    expect(count(panel(grid, "1e0"), /aria-roledescription="point"/)).toBe(3);
    expect(panel(grid, "1e-1")).toContain("diverged @ 44");
    expect(panel(grid, "1e-3")).toContain('data-diverged="0"');
    expect(panel(grid, "1e-3")).not.toContain("diverged_marks");
  });

  it("never lets a non-finite value reach the SVG", () => {
    expect(html).not.toMatch(/(d|transform|x|y)="[^"]*(NaN|Infinity)/);
  });

  it("is self-contained: no URL, stylesheet link or script source", () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link\b|<script[^>]*\bsrc=|@import|<img\b|<iframe\b/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  });

  it("lists every trial in the leaderboard, in the summary's order", () => {
    const table = html.slice(
      html.indexOf("data-leaderboard"),
      html.indexOf("</table>", html.indexOf("data-leaderboard")),
    );
    expect(attrValues(table, "data-trial")).toEqual(
      input.summary.leaderboard.map((t) => t.trialId),
    );
    expect(table).toContain('data-col="finalValMetric"');
  });

  it("draws the final validation accuracy over the one varying param as bars, diverged named", () => {
    expect(html).not.toContain("data-heatmap");
    const bars = sectionWith(html, "data-bars");
    expect(attrValues(bars, "data-bar")).toEqual(
      attrValues(sectionWith(html, "data-grid"), "data-panel"),
    );
    expect(bars).toContain("bar_label_marks");
    expect(bars).toContain(">div.</text>");
  });

  it("reports retries, resumes, wall time and counts by status", () => {
    const retries = html.slice(
      html.indexOf("data-retries>"),
      html.indexOf("</table>", html.indexOf("data-retries>")),
    );
    expect(count(retries, /<tr data-trial=/)).toBe(3);
    expect(retries).toContain("60, 130");
    expect(html).toMatch(/data-wall><span class="k">wall time<\/span><span class="v">47 min 13 s</);
    expect(html).toMatch(
      /data-status="diverged"><span class="k">diverged<\/span><span class="v">4</,
    );
    expect(html).toMatch(/data-retries-total><span class="k">retries<\/span><span class="v">4</);
  });

  it("names the backend and how the trials trained (solo or packs)", async () => {
    expect(html).toMatch(/data-packing><span class="k">packing<\/span><span class="v">solo</);
    const small = makeReportInput({ epochs: 5 });
    const packed = {
      ...small,
      trials: small.trials.map((t, i) => ({
        ...t,
        backend: "tensorflow",
        packSize: i < 20 ? 12 : 4,
      })),
    };
    const page = await buildReport(packed);
    expect(page).toMatch(/data-backend><span class="k">backend<\/span><span class="v">tensorflow</);
    expect(page).toMatch(
      /data-packing><span class="k">packing<\/span><span class="v">packs of 4–12</,
    );
    expect(packingOf([{ packSize: 8 }, {}, { packSize: 8 }])).toBe("packs of 8, 1 solo");
  }, 60_000);
});

describe("buildReport on other sweep shapes", () => {
  it("colours configurations and maps two params when lr × momentum vary", async () => {
    const html = await buildReport(
      makeReportInput({
        grid: { learningRate: [0.1, 0.01, 0.001], momentum: [0, 0.5, 0.9] },
        epochs: 30,
      }),
    );
    const grid = sectionWith(html, 'data-grid="metric"');
    expect(attrValues(grid, "data-panel")).toEqual(["0.1", "0.01", "0.001"]);
    expect(attrValues(grid, "data-legend")).toEqual([
      "momentum=0",
      "momentum=0.5",
      "momentum=0.9",
      "train",
      "validation",
      "band",
      "diverged",
    ]);
    expect(html).toContain('data-heatmap="2d"');
  });

  it("uses one MSE grid on a log scale for regression", async () => {
    const html = await buildReport(makeReportInput({ task: "regression", epochs: 40 }));
    expect(sectionWith(html, 'data-grid="loss"')).toBe("");
    expect(sectionWith(html, 'data-grid="metric"')).toContain("for a log scale");
  });

  it("honours groupBy and rejects a param the sweep does not have", async () => {
    const input = makeReportInput({
      grid: { learningRate: [0.01, 0.001], momentum: [0, 0.5, 0.9] },
      epochs: 10,
    });
    const html = await buildReport({ ...input, groupBy: "learningRate" });
    expect(attrValues(sectionWith(html, 'data-grid="metric"'), "data-panel")).toEqual([
      "0.01",
      "0.001",
    ]);
    await expect(buildReport({ ...input, groupBy: "batch" })).rejects.toThrow(/groupBy "batch"/);
  });

  it("draws a single panel and says so when only the seed varies", async () => {
    const html = await buildReport(
      makeReportInput({ grid: { learningRate: [0.001] }, epochs: 10 }),
    );
    expect(attrValues(sectionWith(html, 'data-grid="metric"'), "data-panel")).toEqual([
      "all trials",
    ]);
    expect(html).toContain('data-heatmap="none"');
  });

  it("lists failed trials with their errors, escaped, and has no such section without them", async () => {
    const failing = makeReportInput({ epochs: 5 });
    expect(await buildReport(failing)).not.toContain('data-section="failures"');
    const [first] = failing.summary.leaderboard;
    failing.summary.leaderboard[0] = {
      ...first!,
      status: "failed",
      error: "python3 train.py exited with code 1 at epoch 2 of 5; stderr ends:\n<RuntimeError>",
    };
    const page = await buildReport(failing);
    const section = sectionWith(page, 'data-section="failures"');
    expect(section).toContain(first!.trialId);
    expect(section).toContain(
      "exited with code 1 at epoch 2 of 5; stderr ends:\n&lt;RuntimeError&gt;",
    );
  });

  it("escapes strings from the data", async () => {
    const evil = '<img src=x onerror="alert(1)">';
    const html = await buildReport(
      makeReportInput({ name: evil, grid: { optimizer: [evil, "adam"] }, epochs: 5 }),
    );
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x");
  });
});
