import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { expandTrials } from "../../spec";
import { sweepKeys } from "../../storage/keys";
import { readAllTrials } from "../../storage/trials";
import { progressQuery, setMaxParallelUpdate } from "../../workflows/definitions";
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
    // The workflow's validator rejects a bad value to the caller, naming the field; the client
    // applies the same rule before sending.
    await expect(handle.executeUpdate(setMaxParallelUpdate, { args: [0] })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/^maxParallel: must be a whole number/) },
    });
    await expect(env.client.setMaxParallel(sweepId, 0)).rejects.toThrow(/maxParallel must be/);
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

  it("a trial that fails on bad input after one try is recorded with 1 attempt, not the limit", async () => {
    const good = await smallSweep(config, "bad-input", pool, {
      epochs: 3,
      checkpointEvery: 1,
      maxParallel: 2,
      momenta: [0, 0.9],
    });
    // The column is checked only where the data is loaded: a non-retryable DataError.
    const spec = { ...good, dataset: { ...good.dataset, target: "NoSuchColumn" } };
    const sweepId = await startSweep(env.client, spec);
    const handle = env.client.handle(sweepId);
    const result = await handle.result();
    expect(result.counts.failed).toBe(2);
    expect(spec.execution.retry.maximumAttempts).toBe(20);

    const summary = await readSummary(config, sweepId);
    expect(summary.leaderboard.map((t) => [t.status, t.attempts])).toEqual([
      ["failed", 1],
      ["failed", 1],
    ]);
    expect(summary.leaderboard[0]?.error).toMatch(/NoSuchColumn/);
    const csv = (await store.getText(sweepKeys(sweepId).leaderboard)).trim().split("\n");
    const attemptsColumn = csv[0]!.split(",").indexOf("attempts");
    expect(csv.slice(1).map((row) => row.split(",")[attemptsColumn])).toEqual(["1", "1"]);
    for (const a of await readAllTrials(store, sweepId)) expect(a.attempts).toBe(1);
  });
});
