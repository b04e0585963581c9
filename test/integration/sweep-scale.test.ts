import { describe, expect, it } from "vitest";
import { expandTrials, parseSpec } from "../../spec";
import {
  prepare,
  RUN,
  readSummary,
  seedSpec,
  startSweep,
  useSweepEnvironment,
} from "./support/harness";

const HISTORY_LIMIT = 3000;
const MAX_PARALLEL = 32;
// Temporal's hard limits per workflow execution.
const MAX_EVENTS = 51_200;

describe("a 2,000-trial sweep", () => {
  const pool = `scale-${RUN}`;
  const env = useSweepEnvironment(pool, [
    ["--slots-per-process", "12"],
    ["--slots-per-process", "12"],
  ]);
  const { config } = env;

  it("completes with every workflow history bounded (continue-as-new)", async () => {
    const { spec: base, dir } = await seedSpec("01-linear-lr.yaml", (s) => ({
      ...s,
      name: `scale-${RUN}`,
      training: { ...s.training, epochs: 1, checkpointEvery: 1 },
      grid: {
        ...s.grid,
        learningRate: Array.from({ length: 20 }, (_, i) => 10 ** -(1 + i / 4)),
        seed: Array.from({ length: 100 }, (_, i) => i + 1),
      },
      // One activity per trial: this test is about a workflow that schedules 2,000 activities
      // (packing would put the whole sweep in a few dozen and never reach the history limit).
      execution: { ...s.execution, pool, maxParallel: MAX_PARALLEL, pack: 1 },
    }));
    const spec = await prepare(config, parseSpec(base), dir);
    expect(expandTrials(spec)).toHaveLength(2000);
    const started = Date.now();
    const sweepId = await startSweep(env.client, spec, { historyLimit: HISTORY_LIMIT });
    const result = await env.client.handle(sweepId).result();
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `2,000-trial sweep: ${seconds.toFixed(1)} s wall, ${result.runs} runs (continue-as-new), largest history ${result.largestHistory} events`,
    );
    expect(result.counts.completed + result.counts.diverged).toBe(2000);
    expect(result.runs).toBeGreaterThan(1);
    // Each run stops starting trials at the limit and drains what is in flight.
    expect(result.largestHistory).toBeLessThanOrEqual(HISTORY_LIMIT + MAX_PARALLEL * 8);
    expect(result.largestHistory).toBeLessThan(MAX_EVENTS / 10);
    const summary = await readSummary(config, sweepId);
    expect(new Set(summary.leaderboard.map((l) => l.trialId)).size).toBe(2000);
  });
});
