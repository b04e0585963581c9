import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withSeeds } from "../../spec";
import type { SweepSummary } from "../../storage/artifacts";
import { sweepKeys } from "../../storage/keys";
import { ArtifactStore } from "../../storage/store";
import { launchChromium, watchedPage } from "./support/chromium";
import {
  prepare,
  RUN,
  readSummary,
  runCli,
  SweepClient,
  seedSpec,
  spawnTrainingWorker,
  startSweep,
  startSweepWorker,
  stopChild,
  testConfig,
} from "./support/harness";

const OUT = resolve("test-output");
const POOL = `report-${RUN}`;
const RATES = 8;

const cli = runCli;

describe("hypersweep report on a real seed sweep", () => {
  const config = testConfig();
  const store = new ArtifactStore(config.s3);
  const problems: string[] = [];
  let sweepId: string;
  let summary: SweepSummary;
  let firstRun: SweepSummary;
  let file: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // Experiment 2 (eight learning rates), two seeds so the min–max band is drawn, 20 epochs.
    const { spec, dir } = await seedSpec("02-mlp-lr.yaml", (s) => ({
      ...s,
      name: `${s.name}-report-${RUN}`,
      training: { ...s.training, epochs: 20, checkpointEvery: 10 },
      execution: { ...s.execution, pool: POOL },
    }));
    const prepared = await prepare(config, withSeeds(spec, [1, 2]), dir);
    const orchestrator = startSweepWorker(config);
    const workers = [spawnTrainingWorker(POOL), spawnTrainingWorker(POOL)];
    const client = await SweepClient.connect(config);
    try {
      sweepId = await startSweep(client, prepared);
      await client.handle(sweepId).result();
      firstRun = await readSummary(config, sweepId);
      // The same spec again: a rerun that trains nothing and reuses every trial.
      expect(await startSweep(client, prepared, { reuse: true })).toBe(sweepId);
      await client.handle(sweepId).result();
    } finally {
      await Promise.all(workers.map((w) => stopChild(w)));
      await orchestrator.stop();
      await client.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("writes index.html, uploads it and records it in the summary", async () => {
    const outDir = join(OUT, "report-real");
    const result = await cli(["report", sweepId, "--out", outDir]);
    expect(result.stderr).not.toMatch(/hypersweep:/);
    expect(result.code).toBe(0);
    file = result.stdout.trim();
    expect(file).toBe(join(outDir, "index.html"));
    const html = await readFile(file, "utf8");
    expect(await store.getText(sweepKeys(sweepId).report)).toBe(html);
    summary = await readSummary(config, sweepId);
    expect(summary.artefacts.report).toBe(sweepKeys(sweepId).report);
    expect(summary.counts.completed + summary.counts.diverged).toBe(RATES * 2);
  });

  it("opens in headless Chromium with no console errors", async () => {
    browser = await launchChromium();
    page = await watchedPage(browser, problems);
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    expect(problems).toEqual([]);
  });

  it("shows one panel per learning rate in both grids, with the legend", async () => {
    const diverged = summary.counts.diverged > 0;
    for (const kind of ["metric", "loss"]) {
      const grid = page.locator(`section[data-grid="${kind}"]`);
      await expect(grid.locator("figure[data-panel] svg.marks").count()).resolves.toBe(RATES);
      const legend = (await grid.locator(".legend-entry .legend-label").allInnerTexts()).map((t) =>
        t.trim(),
      );
      expect(legend).toEqual([
        "train",
        "validation",
        "mean, min–max over seeds",
        ...(diverged ? ["diverged (curve stops)"] : []),
      ]);
    }
    const rows = page.locator("table[data-leaderboard] tbody tr");
    await expect(rows.count()).resolves.toBe(RATES * 2);
    await page.screenshot({ path: join(OUT, "report-real.png"), fullPage: true });
  });

  it("after a rerun keeps the training time and marks every trial reused", async () => {
    expect(firstRun.reused).toBe(0);
    expect(firstRun.leaderboard.some((t) => t.reused)).toBe(false);
    expect(summary.reused).toBe(RATES * 2);
    // Same artefacts, same training time: the rerun's own seconds are only "this run".
    expect(summary.trainingSeconds).toBe(firstRun.trainingSeconds);
    expect(firstRun.trainingSeconds).toBeGreaterThan(0);
    await expect(page.locator("[data-wall] .k").textContent()).resolves.toBe("training time");
    await expect(page.locator("[data-reused-total] .v").textContent()).resolves.toBe(
      `${RATES * 2} of ${RATES * 2}`,
    );
    const reused = page.locator("table[data-leaderboard] tbody tr[data-reused]");
    await expect(reused.count()).resolves.toBe(RATES * 2);
  });

  it("names the sweep when there is nothing to report, and rejects a bad --group-by", async () => {
    const missing = await cli(["report", `no-such-sweep-${RUN}`, "--out", join(OUT, "x")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no-such-sweep-${RUN}`);
    const bad = await cli(["report", sweepId, "--out", join(OUT, "x"), "--group-by", "colour"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--group-by/);
  });
});
