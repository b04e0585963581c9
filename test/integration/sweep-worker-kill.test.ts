import { describe, expect, it } from "vitest";
import { expandTrials } from "../../spec";
import { checkpointEpoch, trialKeys } from "../../storage/keys";
import { readAllTrials } from "../../storage/trials";
import {
  expectEachTrialAndEpochOnce,
  pendingTrials,
  RUN,
  smallSweep,
  spawnTrainingWorker,
  startSweep,
  stopChild,
  useSweepEnvironment,
  waitFor,
} from "./support/harness";

const POOL = `kill-${RUN}`;
const EPOCHS = 150;
const EVERY = 10;

describe("a training worker killed with SIGKILL mid-trial", () => {
  const env = useSweepEnvironment(POOL, [
    ["--worker-id", `a-${RUN}`],
    ["--worker-id", `b-${RUN}`],
  ]);
  const { config, store } = env;

  it("delays the sweep but loses and duplicates nothing, re-training at most checkpointEvery epochs", async () => {
    const spec = await smallSweep(config, "kill", POOL, {
      epochs: EPOCHS,
      checkpointEvery: EVERY,
      maxParallel: 2,
    });
    const sweepId = await startSweep(env.client, spec);
    // Wait for worker a to be mid-trial, past a few checkpoints.
    const victim = await waitFor("worker a mid-trial", async () => {
      const running = await pendingTrials(env.client, sweepId);
      return running.find(
        (t) =>
          t.identity.startsWith(`a-${RUN}`) &&
          (t.checkpointEpoch ?? 0) >= 2 * EVERY &&
          t.epoch < EPOCHS - EVERY,
      );
    });
    env.workers[0]!.kill("SIGKILL");
    await new Promise((r) => env.workers[0]!.once("exit", r));
    // The newest checkpoint the dead attempt left behind: the retry must resume from exactly it.
    const left = (await store.list(trialKeys(victim.trialId!).checkpointsPrefix))
      .map(checkpointEpoch)
      .filter((e): e is number => e !== undefined);
    const newest = Math.max(...left);
    expect(newest).toBeGreaterThanOrEqual(victim.checkpointEpoch ?? 0);
    const progress = await env.client.handle(sweepId).query("progress");
    expect((progress as { running: string[] }).running.length).toBeGreaterThan(0);

    const result = await env.client.handle(sweepId).result();
    const artefacts = await expectEachTrialAndEpochOnce(config, spec, sweepId, result, EPOCHS);
    const retried = artefacts.filter((a) => a.attempts > 1);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    const interrupted = artefacts.find((a) => a.trialId === victim.trialId);
    expect(interrupted?.attempts).toBeGreaterThanOrEqual(2);
    const log = interrupted?.attemptLog ?? [];
    const killed = log.find((l) => l.attempt === victim.attempt);
    const resumed = log.find((l) => l.attempt === victim.attempt + 1);
    expect(killed && resumed).toBeTruthy();
    // The retry resumed from the newest checkpoint the killed attempt wrote. Checkpoints are
    // written (and awaited) every EVERY epochs, so the dead attempt got at most EVERY epochs past
    // it: those, and only those, were trained twice. Its last recorded heartbeat agrees.
    expect(resumed!.resumedFromEpoch).toBe(newest);
    expect(interrupted!.resumedFromEpochs).toContain(newest);
    expect(killed!.reachedEpoch - newest).toBeLessThanOrEqual(EVERY);
    // Old checkpoints are pruned: at most two remain per trial.
    for (const a of artefacts) {
      const kept = (await store.list(trialKeys(a.trialId).checkpointsPrefix)).filter(
        (k) => checkpointEpoch(k) !== undefined,
      );
      expect(kept.length).toBeLessThanOrEqual(2);
    }
  });

  it("on SIGTERM a worker checkpoints at the end of its epoch and the retry resumes there", async () => {
    const graceful = spawnTrainingWorker(POOL, ["--worker-id", `c-${RUN}`]);
    try {
      const spec = await smallSweep(config, "sigterm", POOL, {
        epochs: EPOCHS,
        checkpointEvery: EPOCHS,
        maxParallel: 3,
      });
      const sweepId = await startSweep(env.client, spec);
      const victim = await waitFor("worker c mid-trial", async () => {
        const running = await pendingTrials(env.client, sweepId);
        return running.find(
          (t) => t.identity.startsWith(`c-${RUN}`) && t.epoch >= 5 && t.epoch <= EPOCHS - 50,
        );
      });
      graceful.kill("SIGTERM");
      await new Promise((r) => graceful.once("exit", r));
      const result = await env.client.handle(sweepId).result();
      expect(result.counts.completed).toBe(expandTrials(spec).length);
      const interrupted = (await readAllTrials(store, sweepId)).find(
        (a) => a.trialId === victim.trialId,
      );
      const log = interrupted?.attemptLog ?? [];
      const stopped = log.find((l) => l.attempt === victim.attempt);
      const resumed = log.find((l) => l.attempt === victim.attempt + 1);
      // The only scheduled checkpoint is the last epoch, so any checkpoint is the shutdown's own:
      // the retry resumed exactly there and nothing was trained twice.
      expect(resumed?.resumedFromEpoch).toBeGreaterThanOrEqual(victim.epoch);
      expect(resumed?.resumedFromEpoch).toBe(stopped?.reachedEpoch);
      expect(resumed!.resumedFromEpoch).toBeGreaterThan(0);
      expect(interrupted?.records.map((r) => r.epoch)).toEqual(
        Array.from({ length: EPOCHS }, (_, i) => i + 1),
      );
    } finally {
      await stopChild(graceful, "SIGKILL");
    }
  });
});
