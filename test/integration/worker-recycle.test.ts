import { describe, expect, it } from "vitest";
import { expandTrials } from "../../spec";
import { ArtifactStore } from "../../storage/store";
import { readAllTrials } from "../../storage/trials";
import {
  RUN,
  SweepClient,
  smallSweep,
  spawnWorker,
  startSweep,
  startSweepWorker,
  stopChild,
  testConfig,
  testWorkerArgv,
} from "./support/harness";

const config = testConfig();
const POOL = `recycle-${RUN}`;

describe("a training process recycled after each trial", () => {
  it("drains, restarts, and loses no trial: every trial completes on its first attempt", async () => {
    const worker = spawnWorker(
      testWorkerArgv(POOL, ["--no-sweeps", "--recycle-after-trials", "1"]),
    );
    const orchestrator = startSweepWorker(config);
    const client = await SweepClient.connect(config);
    try {
      const spec = await smallSweep(config, "recycle", POOL, {
        epochs: 3,
        checkpointEvery: 3,
        maxParallel: 1,
        momenta: [0, 0.5, 0.9],
      });
      const sweepId = await startSweep(client, spec);
      const result = await client.handle(sweepId).result();
      const trials = expandTrials(spec);
      expect(result.counts.completed).toBe(trials.length);
      const stored = await readAllTrials(new ArtifactStore(config.s3), sweepId);
      expect(stored.map((t) => t.attempts)).toEqual(trials.map(() => 1));
      // One fresh process per trial after the first: the recycling really happened.
      const recycled = worker.stderr().match(/recycled; starting a fresh one/g) ?? [];
      expect(recycled.length).toBeGreaterThanOrEqual(trials.length - 1);
      expect(worker.stderr()).not.toMatch(/exited \(/);
    } finally {
      await stopChild(worker.child);
      await orchestrator.stop();
      await client.close();
    }
  });
});
