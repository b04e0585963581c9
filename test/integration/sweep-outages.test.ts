import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { HypersweepConfig } from "../../config";
import { startService, stopService } from "../../infra/stack";
import { expandTrials, type SweepSpec } from "../../spec";
import type { ArtifactStore } from "../../storage/store";
import { readAllTrials } from "../../storage/trials";
import type { SweepResult } from "../../workflows/definitions";
import {
  expectEachTrialAndEpochOnce,
  pendingTrials,
  RUN,
  SweepClient,
  smallSweep,
  startSweep,
  useSweepEnvironment,
  waitFor,
} from "./support/harness";

const EPOCHS = 200;
/** The packed variants: 4 trials of one lock-step group (SGD with momentum), one pack of 4. */
const PACK = 4;
const PACK_EPOCHS = 100;
const MOMENTA = [0.1, 0.3, 0.5, 0.9];

/** Every trial appears once, with every epoch once. */
async function expectComplete(
  store: ArtifactStore,
  sweepId: string,
  trialIds: string[],
  epochs = EPOCHS,
) {
  const artefacts = await readAllTrials(store, sweepId);
  expect(artefacts.map((a) => a.trialId).sort()).toEqual([...trialIds].sort());
  for (const a of artefacts) {
    expect(a.status).toBe("completed");
    expect(a.records.map((r) => r.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
  }
}

/**
 * Waits until training is mid-way: for a solo sweep one trial past epoch 5; for a packed one
 * every trial of the sweep running in one pack activity, past epoch 5 and far from its end, so
 * the fault that follows lands inside the pack.
 */
async function midWay(client: SweepClient, sweepId: string, spec: SweepSpec) {
  const trials = expandTrials(spec).length;
  // auto packs nothing here: an MLP on the tests' wasm workers trains solo.
  const packed = typeof spec.execution.pack === "number" && spec.execution.pack > 1;
  const end = spec.training.epochs;
  return waitFor(packed ? "the pack mid-way" : "a trial mid-way", async () => {
    const running = await pendingTrials(client, sweepId);
    if (!packed) return running.find((t) => t.epoch >= 5);
    const one = new Set(running.map((t) => t.activityId)).size === 1;
    const inside = running.every((t) => t.epoch >= 5 && t.epoch <= end / 2);
    return running.length === trials && one && inside ? running : undefined;
  });
}

/** The packed sweeps' promise: each trial once, each epoch once, and trained in a pack. */
async function expectPackedOnce(
  config: HypersweepConfig,
  spec: SweepSpec,
  sweepId: string,
  result: SweepResult,
) {
  const epochs = spec.training.epochs;
  const artefacts = await expectEachTrialAndEpochOnce(config, spec, sweepId, result, epochs);
  expect(artefacts).toHaveLength(PACK);
  // Never silently solo: each trial's artefact says it trained in the pack of 4.
  for (const a of artefacts) expect(a.packSize).toBe(PACK);
  return artefacts;
}

describe("server outages mid-sweep", () => {
  const pool = `outage-${RUN}`;
  const env = useSweepEnvironment(pool, [[], []]);
  const { config, store } = env;

  /** Runs `spec`, restarts Temporal on its SQLite file once training is mid-way, and waits. */
  async function acrossTemporalRestart(spec: SweepSpec) {
    let client = await SweepClient.connect(config);
    const sweepId = await startSweep(client, spec);
    await midWay(client, sweepId, spec);
    await client.close();

    await stopService(config, "temporal");
    await sleep(3000);
    await startService(config, "temporal");

    client = await SweepClient.connect(config);
    try {
      return { sweepId, result: await client.handle(sweepId).result() };
    } finally {
      await client.close();
    }
  }

  it("completes a sweep across a Temporal restart on the same SQLite file", async () => {
    const spec = await smallSweep(config, "temporal-restart", pool, {
      epochs: EPOCHS,
      checkpointEvery: 5,
      maxParallel: 2,
    });
    const { sweepId, result } = await acrossTemporalRestart(spec);
    expect(result.counts.completed).toBe(expandTrials(spec).length);
    await expectComplete(
      store,
      sweepId,
      expandTrials(spec).map((t) => t.trialId),
    );
  });

  it("completes a packed sweep across a Temporal restart mid-pack: each trial once, each epoch once", async () => {
    const spec = await smallSweep(config, "temporal-restart-pack", pool, {
      epochs: PACK_EPOCHS,
      checkpointEvery: 5,
      maxParallel: 2,
      pack: PACK,
      momenta: MOMENTA,
    });
    const { sweepId, result } = await acrossTemporalRestart(spec);
    await expectPackedOnce(config, spec, sweepId, result);
  });

  /** Runs `spec`, stops MinIO for `seconds` once a trial is mid-way, and checks that all complete. */
  async function acrossMinioOutage(spec: SweepSpec, seconds: number) {
    const client = await SweepClient.connect(config);
    try {
      const sweepId = await startSweep(client, spec);
      await midWay(client, sweepId, spec);
      await stopService(config, "minio");
      await sleep(seconds * 1000);
      await startService(config, "minio");
      const result = await client.handle(sweepId).result();
      const ids = expandTrials(spec).map((t) => t.trialId);
      expect(result.counts).toEqual({
        completed: ids.length,
        diverged: 0,
        failed: 0,
        cancelled: 0,
      });
      await expectComplete(store, sweepId, ids, spec.training.epochs);
      return { sweepId, result };
    } finally {
      await client.close();
    }
  }

  it("completes a sweep across a ~20 s MinIO outage, losing nothing", async () => {
    const spec = await smallSweep(config, "minio-down", pool, {
      epochs: EPOCHS,
      checkpointEvery: 5,
      maxParallel: 2,
    });
    await acrossMinioOutage(spec, 20);
  });

  it("completes a packed sweep across a ~20 s MinIO outage mid-pack: each trial once, each epoch once", async () => {
    const spec = await smallSweep(config, "minio-down-pack", pool, {
      epochs: PACK_EPOCHS,
      checkpointEvery: 5,
      maxParallel: 2,
      pack: PACK,
      momenta: MOMENTA,
    });
    const { sweepId, result } = await acrossMinioOutage(spec, 20);
    const artefacts = await expectPackedOnce(config, spec, sweepId, result);
    // Waited out inside the pack's attempt (the outage budget), not retried.
    for (const a of artefacts) expect(a.attempts).toBe(1);
  });

  it("waits out a 60 s MinIO outage inside the attempts: every trial completes on its first", async () => {
    const base = await smallSweep(config, "minio-60s", pool, {
      epochs: EPOCHS,
      checkpointEvery: 5,
      maxParallel: 2,
    });
    // Three quick attempts: without the outage budget the outage alone would use them all up.
    const spec = {
      ...base,
      execution: {
        ...base.execution,
        retry: { ...base.execution.retry, maximumAttempts: 3, maximumIntervalSeconds: 2 },
      },
    };
    const { sweepId } = await acrossMinioOutage(spec, 60);
    // The outage was waited out, not retried: no trial spent a second attempt on it.
    for (const a of await readAllTrials(store, sweepId)) expect(a.attempts).toBe(1);
  });
});
