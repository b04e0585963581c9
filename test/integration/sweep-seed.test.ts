import { describe, expect, it } from "vitest";
import { expandTrials, type SweepSpec, withSeeds } from "../../spec";
import { trialKeys } from "../../storage/keys";
import { readAllTrials } from "../../storage/trials";
import {
  prepare,
  RUN,
  readSummary,
  seedSpec,
  startSweep,
  useSweepEnvironment,
} from "./support/harness";

const POOL = `seed-${RUN}`;
const FILES = ["01-linear-lr.yaml", "02-mlp-lr.yaml", "03-momentum.yaml", "04-optimizers.yaml"];

// The four seed experiments as one run: one seed each, 24 trials, through real Temporal and MinIO.
describe("seed experiments on the real stack", () => {
  const env = useSweepEnvironment(POOL, [[], []]);
  const { config, store } = env;

  it("runs 24 trials to completed or diverged, with curves in MinIO", async () => {
    const specs: SweepSpec[] = [];
    for (const file of FILES) {
      const { spec, dir } = await seedSpec(file, (s) => ({
        ...s,
        name: `${s.name}-${RUN}`,
        // 40 epochs keep the run short on 2 cores; the engine's own tests cover 200.
        training: { ...s.training, epochs: 40, checkpointEvery: 10 },
        execution: { ...s.execution, pool: POOL },
      }));
      specs.push(await prepare(config, withSeeds(spec, [1]), dir));
    }
    expect(specs.map((s) => expandTrials(s).length)).toEqual([8, 8, 4, 4]);
    const ids = await Promise.all(specs.map((s) => startSweep(env.client, s)));
    const results = await Promise.all(ids.map((id) => env.client.handle(id).result()));
    expect(results.reduce((n, r) => n + r.total, 0)).toBe(24);
    for (const [i, result] of results.entries()) {
      expect(result.counts.failed + result.counts.cancelled).toBe(0);
      expect(result.counts.completed + result.counts.diverged).toBe(result.total);
      const summary = await readSummary(config, ids[i]!);
      expect(summary.leaderboard).toHaveLength(result.total);
      const trials = await readAllTrials(store, ids[i]!);
      expect(trials.map((t) => t.trialId).sort()).toEqual(
        expandTrials(specs[i]!)
          .map((t) => t.trialId)
          .sort(),
      );
      for (const t of trials) {
        const expected = t.status === "diverged" ? t.divergedAtEpoch : 40;
        expect(t.records.map((r) => r.epoch)).toEqual(
          Array.from({ length: expected ?? 0 }, (_, k) => k + 1),
        );
        expect(await store.exists(trialKeys(t.trialId).curvesCsv)).toBe(true);
      }
    }
    // Re-running a finished sweep trains nothing: every trial is reused from the bucket.
    const again = await startSweep(env.client, specs[3]!, { reuse: true });
    const rerun = await env.client.handle(again).result();
    expect(rerun.reused).toBe(rerun.total);
  });
});
