/**
 * ASHA against the full grid, on a running stack (`hypersweep stack up`, or the test stack's
 * settings in the environment): the ASHA example (`examples/search/asha-mlp-grid.yaml`) runs
 * first, then the same grid without early stopping. Prints each sweep's trials, stopped trials,
 * epochs trained and wall time, both best trials, the seed spread of the grid's best
 * configuration, and whether ASHA's best is within it. Trials are reused across sweeps by id,
 * so the grid's trials (ASHA's, trained further) are forgotten first (`retrainTrials`, as
 * `run --retrain`): the grid trains every trial from epoch 0 and its epochs and time are its own.
 * Run: `npm run -s bench:search [-- --workers 2 --backend auto]`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { resolveDataset, retrainTrials, SweepClient, uploadDataset } from "../../client";
import { loadConfig } from "../../config";
import { parseSpec, type SweepSpec } from "../../spec";
import { loadSpecFile } from "../../spec/file";
import type { SweepSummary, TrialSummary } from "../../storage/artifacts";
import { sweepKeys } from "../../storage/keys";
import { ArtifactStore } from "../../storage/store";
import { readAllTrials } from "../../storage/trials";
import { workerArgv } from "../../workers/pool";
import { runSweepWorker } from "../../workers/sweep-worker";

const { values: args } = parseArgs({
  options: {
    workers: { type: "string", default: "2" },
    backend: { type: "string", default: "auto" },
    spec: { type: "string", default: "examples/search/asha-mlp-grid.yaml" },
  },
});

const run = Date.now().toString(36);
const pool = `bench-search-${run}`;
const config = loadConfig(process.env);
const store = new ArtifactStore(config.s3);

interface Outcome {
  summary: SweepSummary;
  epochs: number;
  seconds: number;
}

async function sweep(client: SweepClient, spec: SweepSpec): Promise<Outcome> {
  const t0 = Date.now();
  const { sweepId } = await client.start(spec);
  await client.handle(sweepId).result();
  const seconds = (Date.now() - t0) / 1000;
  const summary = await store.getJson<SweepSummary>(sweepKeys(sweepId).summary);
  const trials = await readAllTrials(store, sweepId);
  const epochs = trials.reduce((n, t) => n + t.records.length, 0);
  return { summary, epochs, seconds };
}

/** The params of a trial but its seed: its configuration. */
const configOf = (t: TrialSummary) =>
  JSON.stringify(Object.entries(t.params).filter(([k]) => k !== "seed"));

const show = (t: TrialSummary | undefined) =>
  t
    ? `${t.trialId} ${Object.entries(t.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")} valMetric ${t.finalValMetric?.toFixed(4)}`
    : "none";

async function main(): Promise<void> {
  const { spec: raw, dir } = await loadSpecFile(resolve(args.spec));
  const base = { ...raw, execution: { ...raw.execution, pool } };
  const asha = parseSpec({ ...base, name: `bench-asha-${run}` });
  const grid = parseSpec({ ...base, name: `bench-grid-${run}`, earlyStopping: undefined });
  await store.ensureBucket();
  const prepared = [];
  for (const spec of [asha, grid]) {
    const resolved = await resolveDataset(spec, dir);
    await uploadDataset(store, resolved);
    prepared.push(resolved.spec);
  }
  const stop = new AbortController();
  const orchestrator = runSweepWorker(config, stop.signal);
  const children = Array.from({ length: Number(args.workers) }, (_, i) =>
    spawn(
      process.execPath,
      workerArgv(
        {
          pool,
          backend: args.backend as "auto",
          concurrency: 1,
          slotsPerProcess: 1,
          metricsPort: 0,
          metricsHost: "127.0.0.1",
          workerId: `${pool}-${i}`,
          connectTimeoutSeconds: 120,
        },
        ["--no-sweeps"],
      ),
      { stdio: ["ignore", "ignore", "inherit"] },
    ),
  );
  const client = await SweepClient.connect(config);
  try {
    const a = await sweep(client, prepared[0]!);
    await retrainTrials(store, prepared[1]!);
    const g = await sweep(client, prepared[1]!);
    const bestA = a.summary.leaderboard[0];
    const bestG = g.summary.leaderboard[0];
    const sameConfig = g.summary.leaderboard.filter(
      (t) => bestG && configOf(t) === configOf(bestG),
    );
    const values = sameConfig.map((t) => t.finalValMetric ?? Number.NaN);
    const spread = Math.max(...values) - Math.min(...values);
    const gap = (bestG?.finalValMetric ?? 0) - (bestA?.finalValMetric ?? 0);
    const total = a.summary.total;
    const stopped = a.summary.counts.stopped ?? 0;
    console.log(`spec ${args.spec}: ${total} trials, ${grid.training.epochs} epochs each`);
    console.log(
      `asha: ${stopped}/${total} stopped early (${((100 * stopped) / total).toFixed(0)}%), ${a.epochs} epochs trained, ${a.seconds.toFixed(1)} s`,
    );
    console.log(`grid: ${g.epochs} epochs trained, ${g.seconds.toFixed(1)} s`);
    console.log(
      `epochs saved: ${g.epochs - a.epochs} (${((100 * (g.epochs - a.epochs)) / g.epochs).toFixed(0)}%)`,
    );
    console.log(`best (asha): ${show(bestA)}`);
    console.log(`best (grid): ${show(bestG)}`);
    console.log(
      `grid best config over seeds: ${values.map((v) => v.toFixed(4)).join(", ")} (spread ${spread.toFixed(4)})`,
    );
    console.log(
      `asha best ${bestA && bestG && configOf(bestA) === configOf(bestG) ? "is" : "is not"} the grid's best configuration; gap ${gap.toFixed(4)} ${gap <= spread ? "<=" : ">"} spread ${spread.toFixed(4)}`,
    );
  } finally {
    await client.close();
    for (const c of children) c.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode === null ? once(c, "exit") : undefined)));
    stop.abort();
    await orchestrator;
  }
}

await main();
