import { describe, expect, it } from "vitest";
import { expandTrials } from "../../spec";
import type { TrialArtifact } from "../../storage/artifacts";
import { checkpointEpoch, sweepKeys, trialKeys } from "../../storage/keys";
import {
  AttemptSupersededError,
  type LeaseHolder,
  type OwnerRecord,
  TrialBusyError,
  TrialLease,
} from "../../storage/lease";
import { type ArtifactStore, PreconditionFailedError } from "../../storage/store";
import { leaderboardCsv, summarizeTrial } from "../../storage/summary";
import {
  latestCheckpoint,
  readAllTrials,
  readTrial,
  saveCheckpoint,
  writeTrial,
} from "../../storage/trials";
import { decodeCheckpoint } from "../../training";
import {
  pendingTrials,
  RUN,
  readSummary,
  smallSweep,
  startSweep,
  useSweepEnvironment,
  waitFor,
} from "./support/harness";

const POOL = `fence-${RUN}`;
const EPOCHS = 300;
const EVERY = 10;

const holder = (attempt: number, runId = "run-1"): LeaseHolder => ({
  workflowId: `fence-api-${RUN}`,
  runId,
  activityId: "1",
  attempt,
  worker: "test",
});

function artifactOf(sweepId: string, trialId: string, status: TrialArtifact["status"]) {
  const records = Array.from({ length: 3 }, (_, i) => ({
    epoch: i + 1,
    trainLoss: 1 / (i + 1),
    valLoss: 1 / (i + 1),
    trainMetric: 0.5,
    valMetric: 0.5,
    seconds: 0.01,
  }));
  return {
    sweepId,
    trialId,
    params: { seed: 1 },
    config: {} as TrialArtifact["config"],
    status,
    records,
    attempts: 1,
    resumedFromEpochs: [],
    backend: "cpu",
    durationSeconds: 1,
    finishedAt: new Date().toISOString(),
  } satisfies TrialArtifact;
}

/** Keys and ETags of everything stored for one trial. */
async function snapshot(store: ArtifactStore, root: string) {
  const keys = await store.list(root);
  return Object.fromEntries(
    await Promise.all(keys.map(async (k) => [k, await store.etagOf(k)] as const)),
  );
}

describe("fenced trial writes", () => {
  const env = useSweepEnvironment(POOL, [
    ["--worker-id", `a-${RUN}`],
    ["--worker-id", `b-${RUN}`],
  ]);
  const { config, store } = env;

  it("conditional writes on the real store: one claim wins each round, a stale lease writes nothing", async () => {
    const sweepId = `fence-api-${RUN}`;
    const key = `sweeps/${sweepId}/cond.json`;
    const first = await store.putJson(key, { v: 1 }, { ifNoneMatch: "*" });
    await expect(store.putJson(key, { v: 2 }, { ifNoneMatch: "*" })).rejects.toThrow(
      PreconditionFailedError,
    );
    const second = await store.putJson(key, { v: 3 }, { ifMatch: first });
    await expect(store.putJson(key, { v: 4 }, { ifMatch: first })).rejects.toThrow(
      PreconditionFailedError,
    );
    expect(await store.tryGetVersionedJson(key)).toEqual({ value: { v: 3 }, etag: second });

    // Concurrent claims by different runs (sweeps sharing a trial): exactly one wins, the others
    // find it busy; released, the next claim takes it with the next token.
    const racers = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => TrialLease.claim(store, "race", holder(1, `run-${i}`))),
    );
    const won = racers.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(won.map((l) => l.token)).toEqual([1]);
    for (const r of racers.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TrialBusyError);
    }
    expect(await won[0]!.release()).toBe(true);
    // A claim not renewed within its TTL (its process died) is taken over by another sweep.
    const dead = await TrialLease.claim(store, "expiring", holder(1, "run-dead"), {
      ttlSeconds: 1,
    });
    await expect(TrialLease.claim(store, "expiring", holder(1, "run-live"))).rejects.toThrow(
      TrialBusyError,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const taker = await TrialLease.claim(store, "expiring", holder(1, "run-live"));
    expect(taker.token).toBe(dead.token + 1);
    await expect(dead.check()).rejects.toThrow(AttemptSupersededError);
    expect(await dead.renew()).toBe(false);
    expect((await TrialLease.claim(store, "race", holder(1, "run-next"))).token).toBe(2);

    const old = await TrialLease.claim(store, "t", holder(1));
    const current = await TrialLease.claim(store, "t", holder(2));
    expect(current.token).toBe(old.token + 1);
    await expect(old.check()).rejects.toThrow(AttemptSupersededError);
    // The stale attempt cannot take the trial back, nor write a checkpoint or a result.
    await expect(TrialLease.claim(store, "t", holder(1))).rejects.toThrow(AttemptSupersededError);
    await expect(saveCheckpoint(store, old, 10, new Uint8Array([1, 2, 3]))).rejects.toThrow(
      AttemptSupersededError,
    );
    await expect(writeTrial(store, artifactOf(sweepId, "t", "cancelled"), old)).rejects.toThrow(
      AttemptSupersededError,
    );
    expect(await store.list(trialKeys("t").root)).toEqual([trialKeys("t").owner]);

    // The owner commits and lets go; a later claim (another sweep) cannot replace the result.
    const done = await writeTrial(store, artifactOf(sweepId, "t", "completed"), current);
    expect(done.fencingToken).toBe(current.token);
    await expect(TrialLease.claim(store, "t", holder(1, "run-2"))).rejects.toThrow(TrialBusyError);
    expect(await current.release()).toBe(true);
    const later = await TrialLease.claim(store, "t", holder(1, "run-2"));
    const kept = await writeTrial(store, artifactOf(sweepId, "t", "cancelled"), later);
    expect(kept.status).toBe("completed");
    expect((await readTrial(store, "t"))?.fencingToken).toBe(current.token);
    const owner = await store.getJson<OwnerRecord>(trialKeys("t").owner);
    expect(owner.token).toBe(later.token);
  });

  it("a frozen attempt resumed after its retry finished leaves the finished trial untouched", async () => {
    const spec = await smallSweep(config, "freeze", POOL, {
      epochs: EPOCHS,
      checkpointEvery: EVERY,
      maxParallel: 2,
      momenta: [0.9, 0.5, 0.1],
    });
    const sweepId = await startSweep(env.client, spec);
    const zombie = env.workers[0]!;
    let zombieLog = "";
    zombie.stderr?.on("data", (d: Buffer) => {
      zombieLog += d.toString("utf8");
    });
    const victim = await waitFor("worker a mid-trial", async () => {
      const running = await pendingTrials(env.client, sweepId);
      return running.find(
        (t) =>
          t.identity.startsWith(`a-${RUN}`) &&
          (t.checkpointEpoch ?? 0) >= 2 * EVERY &&
          t.epoch < 150,
      );
    });
    // The training process freezes past its heartbeat timeout (5 s): Temporal retries elsewhere.
    zombie.kill("SIGSTOP");
    let result: Awaited<ReturnType<ReturnType<typeof env.client.handle>["result"]>>;
    try {
      result = await env.client.handle(sweepId).result();
    } finally {
      zombie.kill("SIGCONT");
    }
    const ids = expandTrials(spec).map((t) => t.trialId);
    expect(result.counts).toEqual({ completed: ids.length, diverged: 0, failed: 0, cancelled: 0 });
    const trialId = victim.trialId!;
    const before = await snapshot(store, trialKeys(trialId).root);
    const summaryBefore = await store.etagOf(sweepKeys(sweepId).summary);

    // The zombie wakes up, finds it no longer owns the trial and stops without writing.
    await waitFor("the resumed attempt to stand down", async () =>
      zombieLog.includes(trialId) && zombieLog.includes("stopping without writing")
        ? true
        : undefined,
    );
    expect(await snapshot(store, trialKeys(trialId).root)).toEqual(before);
    expect(await store.etagOf(sweepKeys(sweepId).summary)).toBe(summaryBefore);

    const stored = (await readTrial(store, trialId))!;
    const epochs = Array.from({ length: EPOCHS }, (_, i) => i + 1);
    expect(stored.status).toBe("completed");
    expect(stored.records.map((r) => r.epoch)).toEqual(epochs);
    expect(stored.attempts).toBeGreaterThan(victim.attempt);
    const owner = await store.getJson<OwnerRecord>(trialKeys(trialId).owner);
    expect(owner.holder.attempt).toBe(stored.attempts);
    expect(stored.fencingToken).toBe(owner.token);
    // The newest checkpoint is the finished attempt's last one, holding the same epochs.
    const newest = (await latestCheckpoint(store, trialId))!;
    expect(newest.epoch).toBe(EPOCHS);
    const restored = decodeCheckpoint(newest.bytes).records;
    expect(restored.map((r) => r.epoch)).toEqual(epochs);
    expect(restored.map((r) => r.valLoss)).toEqual(stored.records.map((r) => r.valLoss));
    const kept = (await store.list(trialKeys(trialId).checkpointsPrefix)).map(checkpointEpoch);
    expect(kept.every((e) => e !== undefined && e <= EPOCHS)).toBe(true);

    // Summary and leaderboard agree with the stored trials, line by line.
    const summary = await readSummary(config, sweepId);
    const mode = spec.dataset.task === "classification" ? "max" : "min";
    const trials = new Map((await readAllTrials(store, sweepId)).map((a) => [a.trialId, a]));
    expect([...trials.keys()].sort()).toEqual([...ids].sort());
    for (const line of summary.leaderboard) {
      // A fresh sweep: no trial was finished before it started.
      expect(line).toEqual({ ...summarizeTrial(trials.get(line.trialId)!, mode), reused: false });
    }
    expect(await store.getText(sweepKeys(sweepId).leaderboard)).toBe(leaderboardCsv(summary));
  });
});
