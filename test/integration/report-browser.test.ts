/**
 * The report in a real headless Chromium: it loads offline with no errors, shows the panels and
 * legend of a seed-like sweep, sorts its leaderboard, and leaves a screenshot to look at.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReport } from "../../report";
import { STOPPED } from "../../report/search";
import { EXPERIMENT_2_RATES, makeReportInput, withStoppedTrials } from "../fixtures/report-input";
import { launchChromium, watchedPage } from "./support/chromium";

const OUT = resolve("test-output");
// The project compiles without the DOM lib; these are the bits of it the page callbacks use.
type TableCell = { cellIndex: number; dataset: Record<string, string | undefined> };
type TableRow = { cells: ArrayLike<TableCell> };

describe("HTML report in headless Chromium", () => {
  const input = makeReportInput();
  const problems: string[] = [];
  const requests: string[] = [];
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const dir = join(OUT, "report");
    await mkdir(dir, { recursive: true });
    const file = join(dir, "index.html");
    await writeFile(file, await buildReport(input));
    browser = await launchChromium();
    page = await watchedPage(browser, problems);
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("loads with no console errors and fetches nothing but itself", () => {
    expect(problems).toEqual([]);
    expect(requests.filter((url) => !url.startsWith("file:"))).toEqual([]);
  });

  it("shows one visible panel per learning rate in each grid, with its legend", async () => {
    for (const kind of ["metric", "loss"]) {
      const grid = page.locator(`section[data-grid="${kind}"]`);
      await expect(grid.locator("figure[data-panel]").count()).resolves.toBe(
        EXPERIMENT_2_RATES.length,
      );
      const sizes = await grid
        .locator("figure[data-panel] svg.marks")
        .evaluateAll((svgs) =>
          svgs.map((svg) => svg.getBoundingClientRect()).map((r) => r.width * r.height),
        );
      expect(sizes).toHaveLength(EXPERIMENT_2_RATES.length);
      expect(sizes.every((area) => area > 100 * 60)).toBe(true);
      const legend = await grid.locator(".legend-entry .legend-label").allInnerTexts();
      expect(legend.map((t) => t.trim())).toEqual([
        "train",
        "validation",
        "mean, min–max over seeds",
        "diverged (curve stops)",
      ]);
    }
    await expect(
      page.locator('[data-grid="metric"] figure[data-panel="1e0"] .diverged_marks path').count(),
    ).resolves.toBe(3);
  });

  it("sorts the leaderboard by a clicked column, both ways, blanks last", async () => {
    const table = page.locator("table[data-leaderboard]");
    const column = async (key: string) => {
      const index = await table
        .locator(`th[data-col="${key}"]`)
        .evaluate((th) => (th as unknown as TableCell).cellIndex);
      return table
        .locator("tbody tr")
        .evaluateAll(
          (rows, i) => rows.map((row) => (row as unknown as TableRow).cells[i]?.dataset.v ?? ""),
          index,
        );
    };
    await expect(table.locator("tbody tr").count()).resolves.toBe(input.trials.length);
    const header = table.locator('th[data-col="divergedAtEpoch"]');
    await header.locator("button").click();
    await expect(header.getAttribute("aria-sort")).resolves.toBe("ascending");
    const up = await column("divergedAtEpoch");
    expect(up.slice(0, 4)).toEqual(["3", "4", "5", "44"]);
    expect(up.slice(4).every((v) => v === "")).toBe(true);
    await header.locator("button").click();
    await expect(header.getAttribute("aria-sort")).resolves.toBe("descending");
    expect((await column("divergedAtEpoch")).slice(0, 4)).toEqual(["44", "5", "4", "3"]);
    await table.locator('th[data-col="finalValMetric"] button').click();
    const values = (await column("finalValMetric")).map(Number);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it("draws one-axis outcomes as bars from zero (lengths ∝ values), and the retries table", async () => {
    await expect(page.locator("[data-heatmap]").count()).resolves.toBe(0);
    const bars = page.locator("section[data-bars]");
    await expect(bars.locator("svg.marks").count()).resolves.toBe(1);
    const means = (
      await bars
        .locator("li[data-bar]")
        .evaluateAll((items) => items.map((li) => (li as unknown as TableCell).dataset.mean ?? ""))
    )
      .filter((m) => m !== "")
      .map(Number);
    const heights = await bars
      .locator(".bar_marks path")
      .evaluateAll((paths) => paths.map((p) => p.getBoundingClientRect().height));
    expect(heights).toHaveLength(means.length);
    expect(means.length).toBeGreaterThan(1);
    // A colour scale stretched 0.87 vs 0.90 end to end; a bar's length is its value.
    const unit = (heights[0] ?? 0) / (means[0] ?? 1);
    for (const [i, h] of heights.entries()) expect(h / unit).toBeCloseTo(means[i] ?? 0, 2);
    await expect(page.locator("table[data-retries] tbody tr").count()).resolves.toBe(3);
  });

  it("saves a screenshot", async () => {
    await page.locator('table[data-leaderboard] th[data-col="rank"] button').click();
    const path = join(OUT, "report.png");
    await page.screenshot({ path, fullPage: true });
  });
});

describe("the search views in headless Chromium", () => {
  // An early-stopped sweep as the stored trials say it: every third trial cut at epoch 30.
  const input = withStoppedTrials(
    makeReportInput({ grid: { learningRate: [0.1, 0.01, 0.001], momentum: [0, 0.9] }, epochs: 80 }),
    3,
    30,
  );
  const problems: string[] = [];
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const dir = join(OUT, "report-search");
    await mkdir(dir, { recursive: true });
    const file = join(dir, "index.html");
    await writeFile(file, await buildReport(input));
    browser = await launchChromium();
    page = await watchedPage(browser, problems);
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("draws a line per scored trial across the parameter axes, and the best so far", async () => {
    expect(problems).toEqual([]);
    const scored = input.summary.leaderboard.filter((t) => t.status === "completed").length;
    const parallel = page.locator("[data-parallel]");
    await expect(parallel.locator(".trial_line_marks path").count()).resolves.toBe(scored);
    await expect(parallel.locator("li[data-axis]").evaluateAll((li) => li.length)).resolves.toBe(3);
    const order = page.locator("[data-best-so-far]");
    await expect(order.locator(".trial_point_marks path").count()).resolves.toBe(scored);
    await expect(order.locator(".best_line_marks path").count()).resolves.toBe(1);
    const area = await order
      .locator("svg")
      .first()
      .evaluate((svg) => svg.getBoundingClientRect().width * svg.getBoundingClientRect().height);
    expect(area).toBeGreaterThan(300 * 150);
  });

  it("marks each stopped trial where its curve stops, left of the full curves' end", async () => {
    const stopped = input.trials.filter((t) => (t.status as string) === STOPPED);
    expect(stopped.length).toBeGreaterThan(0);
    const stops = page.locator("[data-stops]");
    await expect(stops.locator(".stop_point_marks path").count()).resolves.toBe(stopped.length);
    const rightOf = async (selector: string) =>
      stops.locator(selector).evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right));
    const marks = await rightOf(".stop_point_marks path");
    const curvesEnd = Math.max(...(await rightOf(".curve_line_marks path")));
    // Stopped at epoch 30 of 80: well inside the plot.
    for (const x of marks) expect(x).toBeLessThan(curvesEnd - 100);
    await page
      .locator("[data-section=search]")
      .screenshot({ path: join(OUT, "report-search.png") });
  });
});
