import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { expandTrials } from "../../spec";
import { readAllTrials } from "../../storage/trials";
import { progressQuery } from "../../workflows/definitions";
import {
  BIN,
  pendingTrials,
  RUN,
  readSummary,
  smallSweep,
  startSweep,
  useSweepEnvironment,
  waitFor,
} from "./support/harness";

const EPOCHS = 200;
const execFileAsync = promisify(execFile);

describe("pause, resume and cancel a running sweep", () => {
  const pool = `control-${RUN}`;
  const env = useSweepEnvironment(pool, [[]]);
  const { config, store } = env;

  it("pause starts no new trials, resume continues, cancel keeps partial curves", async () => {
    const spec = await smallSweep(config, "control", pool, {
      epochs: EPOCHS,
      checkpointEvery: 5,
      maxParallel: 1,
    });
    const total = expandTrials(spec).length;
    const sweepId = await startSweep(env.client, spec);
    const handle = env.client.handle(sweepId);
    await waitFor("first trial running", async () =>
      (await pendingTrials(env.client, sweepId)).find((t) => t.epoch >= 1),
    );
    await env.client.signal(sweepId, "pause");
    // The running trial finishes; no new one starts while paused.
    await waitFor("paused and idle", async () => {
      const p = await handle.query(progressQuery);
      return p.paused && p.running.length === 0 ? p : undefined;
    });
    const paused = await handle.query(progressQuery);
    await sleep(4000);
    const stillPaused = await handle.query(progressQuery);
    expect(stillPaused.started).toBe(paused.started);
    expect(stillPaused.running).toEqual([]);
    expect(paused.started).toBeLessThan(total);

    await env.client.signal(sweepId, "resume");
    await env.client.setMaxParallel(sweepId, 2);
    expect((await handle.query(progressQuery)).maxParallel).toBe(2);
    await waitFor("resumed trial mid-way", async () => {
      const running = await pendingTrials(env.client, sweepId);
      return running.find((t) => t.epoch >= 10 && t.epoch < EPOCHS - 20);
    });
    await env.client.signal(sweepId, "cancel");
    const result = await handle.result();
    expect(result.cancelled).toBe(true);
    expect(result.counts.cancelled).toBeGreaterThanOrEqual(1);
    expect(result.counts.completed + result.counts.cancelled).toBe(total);

    const artefacts = await readAllTrials(store, sweepId);
    const partial = artefacts.filter((a) => a.status === "cancelled");
    expect(partial.length).toBe(1);
    const records = partial[0]!.records;
    expect(records.length).toBeGreaterThanOrEqual(10);
    expect(records.length).toBeLessThan(EPOCHS);
    expect(records.map((r) => r.epoch)).toEqual(
      Array.from({ length: records.length }, (_, i) => i + 1),
    );

    const summary = await readSummary(config, sweepId);
    expect(summary.total).toBe(total);
    expect(summary.counts.cancelled).toBe(result.counts.cancelled);

    // `hypersweep retry` re-runs the cancelled trials (resuming the partial one from its
    // checkpoint) and reuses the completed ones.
    const retry = await execFileAsync(
      process.execPath,
      [BIN, "retry", sweepId, "--wait", "--json"],
      {
        env: process.env,
      },
    );
    const retried = JSON.parse(retry.stdout) as { counts: Record<string, number> };
    expect(retried.counts.completed).toBe(total);
    const rerun = await handle.result();
    expect(rerun.reused).toBe(result.counts.completed);
    const resumed = (await readAllTrials(store, sweepId)).find(
      (a) => a.trialId === partial[0]!.trialId,
    );
    expect(resumed?.records).toHaveLength(EPOCHS);
    expect(resumed?.resumedFromEpochs.length).toBeGreaterThanOrEqual(1);
  });
});
