import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { startService, stopService } from "../../infra/stack";
import { expandTrials, type SweepSpec } from "../../spec";
import type { ArtifactStore } from "../../storage/store";
import { readAllTrials } from "../../storage/trials";
import {
  pendingTrials,
  RUN,
  SweepClient,
  smallSweep,
  startSweep,
  useSweepEnvironment,
  waitFor,
} from "./support/harness";

const EPOCHS = 200;

/** Every trial appears once, with every epoch once. */
async function expectComplete(store: ArtifactStore, sweepId: string, trialIds: string[]) {
  const artefacts = await readAllTrials(store, sweepId);
  expect(artefacts.map((a) => a.trialId).sort()).toEqual([...trialIds].sort());
  for (const a of artefacts) {
    expect(a.status).toBe("completed");
    expect(a.records.map((r) => r.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
  }
}

describe("server outages mid-sweep", () => {
  const pool = `outage-${RUN}`;
  const env = useSweepEnvironment(pool, [[], []]);
  const { config, store } = env;

  it("completes a sweep across a Temporal restart on the same SQLite file", async () => {
    const spec = await smallSweep(config, "temporal-restart", pool, {
      epochs: EPOCHS,
      checkpointEvery: 5,
      maxParallel: 2,
    });
    let client = await SweepClient.connect(config);
    const sweepId = await startSweep(client, spec);
    await waitFor("a trial mid-way", async () =>
      (await pendingTrials(client, sweepId)).find((t) => t.epoch >= 5),
    );
    await client.close();

    await stopService(config, "temporal");
    await sleep(3000);
    await startService(config, "temporal");

    client = await SweepClient.connect(config);
    try {
      const result = await client.handle(sweepId).result();
      expect(result.counts.completed).toBe(expandTrials(spec).length);
      await expectComplete(
        store,
        sweepId,
        expandTrials(spec).map((t) => t.trialId),
      );
    } finally {
      await client.close();
    }
  });

  /** Runs `spec`, stops MinIO for `seconds` once a trial is mid-way, and checks that all complete. */
  async function acrossMinioOutage(spec: SweepSpec, seconds: number) {
    const client = await SweepClient.connect(config);
    try {
      const sweepId = await startSweep(client, spec);
      await waitFor("a trial mid-way", async () =>
        (await pendingTrials(client, sweepId)).find((t) => t.epoch >= 5),
      );
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
      await expectComplete(store, sweepId, ids);
      return sweepId;
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
    const sweepId = await acrossMinioOutage(spec, 60);
    // The outage was waited out, not retried: no trial spent a second attempt on it.
    for (const a of await readAllTrials(store, sweepId)) expect(a.attempts).toBe(1);
  });
});
