import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { expandTrials, parseSpec } from "../../spec";
import { loadSpecFile } from "../../spec/file";
import {
  prepare,
  RUN,
  readSummary,
  runCli,
  startSweep,
  useSweepEnvironment,
  waitFor,
} from "./support/harness";
import { prometheusApi } from "./support/prometheus";

const EXAMPLE = resolve("examples/sweeps/mlp-width-depth-batch.yaml");
const POOL = `widths-${RUN}`;

const cli = runCli;

// Issue 10's first example, short: every architecture, two batch sizes, one seed, 6 epochs.
describe("MLP width x depth x batch size on the real stack", () => {
  const env = useSweepEnvironment(POOL, [[]]);

  it("trains each architecture and batch size, reports them and labels their series", async () => {
    const { spec, dir } = await loadSpecFile(EXAMPLE);
    const short = parseSpec({
      ...spec,
      name: `widths-${RUN}`,
      grid: { ...spec.grid, batchSize: [32, 64], seed: [1] },
      training: { ...spec.training, epochs: 6, checkpointEvery: 3 },
      execution: { ...spec.execution, pool: POOL, maxParallel: 2 },
    });
    const prepared = await prepare(env.config, short, dir);
    const planned = expandTrials(prepared);
    expect(planned).toHaveLength(6);
    const sweepId = await startSweep(env.client, prepared);
    const result = await env.client.handle(sweepId).result();
    expect(result.counts.failed + result.counts.cancelled).toBe(0);

    const summary = await readSummary(env.config, sweepId);
    const combos = summary.leaderboard.map((t) => `${t.params.hidden}/${t.params.batchSize}`);
    expect(new Set(combos)).toEqual(
      new Set(["64", "128-64", "256-128-64"].flatMap((h) => [`${h}/32`, `${h}/64`])),
    );

    const out = await mkdtemp(join(tmpdir(), "hypersweep-widths-"));
    const report = await cli(["report", sweepId, "--out", out]);
    expect(report.stderr).not.toMatch(/hypersweep:/);
    expect(report.code).toBe(0);
    const html = await readFile(report.stdout.trim(), "utf8");
    for (const hidden of ["128-64", "256-128-64"]) expect(html).toContain(hidden);

    const prom = prometheusApi(env.config.prometheus.url);
    const series = await waitFor(
      "the trials' series in Prometheus",
      async () => {
        const found = await prom.query(`hypersweep_trial_epoch{sweep="${sweepId}"}`);
        return found.length === planned.length ? found : undefined;
      },
      60_000,
    );
    const labelled = series.map((s) => `${s.metric.hidden}/${s.metric.batch_size}`);
    expect(new Set(labelled)).toEqual(new Set(combos));
    for (const s of series) expect(s.metric).toMatchObject({ epochs: "6", params_hash: "none" });
  });
});
