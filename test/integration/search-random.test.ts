import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { expandTrials, parseSpec, type SweepSpec } from "../../spec";
import { loadSpecFile } from "../../spec/file";
import { readAllTrials } from "../../storage/trials";
import {
  prepare,
  RUN,
  readSummary,
  runCli,
  startSweep,
  useSweepEnvironment,
} from "./support/harness";

const EXAMPLE = resolve("examples/search/random-lr-momentum.yaml");
const POOL = `search-${RUN}`;

const cli = (...args: string[]) => runCli(args);

/** The example with short settings: 4 sampled points, one seed, 5 epochs. */
async function shortExample(): Promise<{ spec: SweepSpec; dir: string }> {
  const { spec, dir } = await loadSpecFile(EXAMPLE);
  const short = parseSpec({
    ...spec,
    name: `random-${RUN}`,
    grid: { ...spec.grid, seed: [1] },
    training: { ...spec.training, epochs: 5, checkpointEvery: 5 },
    search: { method: "random", trials: 4, seed: 7 },
    execution: { ...spec.execution, pool: POOL, maxParallel: 2 },
  });
  return { spec: short, dir };
}

describe("random search on the real stack", () => {
  const env = useSweepEnvironment(POOL, [[]]);

  it("trains the sampled trials, each with its sampled learning rate and momentum", async () => {
    const { spec, dir } = await shortExample();
    const prepared = await prepare(env.config, spec, dir);
    const planned = expandTrials(prepared);
    expect(planned).toHaveLength(4);
    const sweepId = await startSweep(env.client, prepared);
    const result = await env.client.handle(sweepId).result();
    expect(result.total).toBe(4);
    expect(result.counts.failed + result.counts.cancelled).toBe(0);
    const trials = await readAllTrials(env.store, sweepId);
    expect(trials.map((t) => t.trialId).sort()).toEqual(planned.map((t) => t.trialId).sort());
    const summary = await readSummary(env.config, sweepId);
    const rates = summary.leaderboard.map((t) => t.params.learningRate as number);
    expect(new Set(rates).size).toBe(4);
    for (const t of summary.leaderboard) {
      expect(t.params.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(t.params.learningRate).toBeLessThanOrEqual(0.3);
      expect(t.params.momentum).toBeGreaterThanOrEqual(0);
      expect(t.params.momentum).toBeLessThanOrEqual(0.95);
    }
  });

  it("shows the sampled trials in a dry run, TPE its start-up trials", async () => {
    const dry = await cli("run", EXAMPLE, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /32 trials \(random search: 16 sampled points x the grid lists, seed 7\)/,
    );
    const { spec } = await loadSpecFile(EXAMPLE);
    // The dry run names the data by its content hash, so compare the sampled values, not ids.
    for (const { params } of expandTrials(spec)) {
      expect(dry.stdout).toContain(
        `learningRate=${params.learningRate} momentum=${params.momentum}`,
      );
    }

    // TPE lists its random start-up trials and says the rest come from results.
    const tpe = await cli("run", resolve("examples/search/tpe-lr-width-batch.yaml"), "--dry-run");
    expect(tpe.code).toBe(0);
    expect(tpe.stdout).toContain(
      "8 trials (tpe: the 8 random start-up points x the grid lists, seed 11; 16 more points are proposed from results while the sweep runs)",
    );
  });
});
