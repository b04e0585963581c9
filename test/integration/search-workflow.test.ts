import { once } from "node:events";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { startService, stopService } from "../../infra/stack";
import { ashaRungs, expandTrials, parseSpec, type SweepSpec } from "../../spec";
import { loadSpecFile } from "../../spec/file";
import { readAllTrials } from "../../storage/trials";
import type { SweepProgress } from "../../workflows/definitions";
import {
  prepare,
  RUN,
  readSummary,
  runCli,
  SweepClient,
  spawnTrainingWorker,
  startSweep,
  useSweepEnvironment,
  waitFor,
} from "./support/harness";

const POOL = `search-wf-${RUN}`;

const cli = (...args: string[]) => runCli(args);

/** An example with short settings (its own name, this file's pool, fast retries). */
async function example(file: string, patch: (spec: SweepSpec) => Partial<SweepSpec>) {
  const { spec, dir } = await loadSpecFile(resolve("examples/search", file));
  const changed = patch(spec);
  const short = parseSpec({
    ...spec,
    ...changed,
    execution: {
      ...spec.execution,
      ...changed.execution,
      pool: POOL,
      heartbeatTimeoutSeconds: 10,
      retry: {
        maximumAttempts: 10,
        initialIntervalSeconds: 1,
        backoffCoefficient: 2,
        maximumIntervalSeconds: 4,
      },
    },
  });
  return { spec: short, dir };
}

/** The ASHA example cut to 6 learning rates x 1 momentum x 1 seed, 9 epochs: rungs at 1 and 3. */
async function shortAsha(name: string) {
  return example("asha-mlp-grid.yaml", (spec) => ({
    name: `${name}-${RUN}`,
    grid: { ...spec.grid, momentum: [0.9], seed: [1] },
    training: { ...spec.training, epochs: 9, checkpointEvery: 9 },
    execution: { ...spec.execution, maxParallel: 3 },
  }));
}

describe("TPE, ASHA and budgets driven by the sweep workflow on the real stack", () => {
  const env = useSweepEnvironment(POOL, [[]]);

  it("TPE: start-up points as the dry run lists them, then proposals from the results", async () => {
    const { spec, dir } = await example("tpe-lr-width-batch.yaml", (s) => ({
      name: `tpe-${RUN}`,
      training: { ...s.training, epochs: 4, checkpointEvery: 4 },
      search: { method: "tpe", trials: 6, startupTrials: 3, seed: 11 },
      execution: { ...s.execution, maxParallel: 2 },
    }));
    const prepared = await prepare(env.config, spec, dir);
    const startup = expandTrials(prepared).map((t) => t.trialId);
    expect(startup).toHaveLength(3);
    const sweepId = await startSweep(env.client, prepared);
    const result = await env.client.handle(sweepId).result();
    expect(result.total).toBe(6);
    expect(result.counts.completed + result.counts.diverged).toBe(6);
    const summary = await readSummary(env.config, sweepId);
    const ids = summary.leaderboard.map((t) => t.trialId);
    expect(new Set(ids).size).toBe(6);
    for (const id of startup) expect(ids).toContain(id);
    const proposed = summary.leaderboard.filter((t) => !startup.includes(t.trialId));
    expect(proposed).toHaveLength(3);
    for (const t of summary.leaderboard) {
      expect(t.params.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(t.params.learningRate).toBeLessThanOrEqual(0.3);
      expect(["16", "64", "256"]).toContain(t.params.hidden);
      expect([16, 32, 64]).toContain(t.params.batchSize);
    }
    expect((await readAllTrials(env.store, sweepId)).map((a) => a.trialId).sort()).toEqual(
      [...ids].sort(),
    );
  });

  it("ASHA: trials trained rung by rung, most stopped at a rung with their curves, across continue-as-new", async () => {
    const { spec, dir } = await shortAsha("asha");
    const prepared = await prepare(env.config, spec, dir);
    const trials = expandTrials(prepared);
    const rungs = ashaRungs({ minEpochs: 1, reductionFactor: 3, maxEpochs: 9, mode: "max" });
    expect(rungs).toEqual([1, 3]);
    const sweepId = await startSweep(env.client, prepared, { historyLimit: 40 });
    const result = await env.client.handle(sweepId).result();
    expect(result.runs).toBeGreaterThan(1);
    expect(result.total).toBe(trials.length);
    const stopped = result.counts.stopped ?? 0;
    expect(stopped).toBeGreaterThanOrEqual(trials.length / 2);
    expect(stopped + result.counts.completed + result.counts.diverged).toBe(trials.length);

    const summary = await readSummary(env.config, sweepId);
    expect(summary.counts.stopped).toBe(stopped);
    const artefacts = await readAllTrials(env.store, sweepId);
    expect(artefacts).toHaveLength(trials.length);
    for (const a of artefacts) {
      const epochs = a.records.map((r) => r.epoch);
      if (a.status === "stopped") {
        expect(rungs).toContain(epochs.length);
      } else if (a.status === "completed") {
        expect(epochs.length).toBe(9);
      }
      expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, i) => i + 1));
    }
    // The best completed trial heads the leaderboard; stopped trials follow the completed ones.
    const statuses = summary.leaderboard.map((t) => t.status);
    expect(statuses[0]).toBe("completed");
    expect(statuses.lastIndexOf("completed")).toBeLessThan(statuses.indexOf("stopped"));

    const results = await cli("results", sweepId);
    expect(results.code).toBe(0);
    expect(results.stdout).toContain("stopped");
    const status = await cli("status", sweepId);
    expect(status.stdout).toContain(`${stopped} stopped early`);
  });

  it("ASHA decisions survive a killed worker and a Temporal restart", async () => {
    const { spec, dir } = await shortAsha("asha-crash");
    const prepared = await prepare(env.config, spec, dir);
    const trials = expandTrials(prepared);
    let client = await SweepClient.connect(env.config);
    const sweepId = await startSweep(client, prepared);
    await waitFor("a first stop decision", async () => {
      const p = (await client.handle(sweepId).query("progress")) as SweepProgress;
      return (p.counts.stopped ?? 0) > 0 ? p : undefined;
    });
    const worker = env.workers[0]!;
    worker.kill("SIGKILL");
    await once(worker, "exit");
    await client.close();
    await stopService(env.config, "temporal");
    await sleep(2000);
    await startService(env.config, "temporal");
    env.workers[0] = spawnTrainingWorker(POOL);
    client = await SweepClient.connect(env.config);
    try {
      const result = await client.handle(sweepId).result();
      expect(result.total).toBe(trials.length);
      const stopped = result.counts.stopped ?? 0;
      expect(stopped + result.counts.completed + result.counts.diverged).toBe(trials.length);
      const summary = await readSummary(env.config, sweepId);
      expect(summary.leaderboard).toHaveLength(trials.length);
      for (const a of await readAllTrials(env.store, sweepId)) {
        if (a.status === "stopped") expect([1, 3]).toContain(a.records.length);
        if (a.status === "completed") expect(a.records.length).toBe(9);
      }
    } finally {
      await client.close();
    }
  });

  it("budget.maxTrials stops the scheduling and the summary says so", async () => {
    const { spec, dir } = await shortAsha("budget");
    const budgeted = parseSpec({
      ...spec,
      earlyStopping: undefined,
      training: { ...spec.training, epochs: 2, checkpointEvery: 2 },
      budget: { maxTrials: 2 },
    });
    const prepared = await prepare(env.config, budgeted, dir);
    const sweepId = await startSweep(env.client, prepared);
    const result = await env.client.handle(sweepId).result();
    expect(result.total).toBe(2);
    expect(result.budgetStop).toEqual({ budget: "maxTrials", limit: 2 });
    const summary = await readSummary(env.config, sweepId);
    expect(summary.budgetStop).toEqual({ budget: "maxTrials", limit: 2 });
    expect(summary.leaderboard.map((t) => t.trialId)).toEqual(
      expandTrials(prepared)
        .slice(0, 2)
        .map((t) => t.trialId)
        .sort(
          (a, b) =>
            summary.leaderboard.findIndex((l) => l.trialId === a) -
            summary.leaderboard.findIndex((l) => l.trialId === b),
        ),
    );
    const status = await cli("status", sweepId);
    expect(status.stdout).toContain("stopped scheduling: budget.maxTrials (2) reached");
  });
});
