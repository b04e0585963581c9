import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { expandTrials } from "../../spec";
import type { TrialArtifact } from "../../storage/artifacts";
import { checkpointEpoch, trialKeys } from "../../storage/keys";
import { readAllTrials } from "../../storage/trials";
import { listLiveWorkers } from "../../workers/registry";
import { packIdOf } from "../../workflows/pack-plan";
import { testBackends } from "../fixtures/backends";
import {
  BIN,
  pendingTrials,
  prepare,
  RUN,
  readSummary,
  runCli,
  seedSpec,
  smallSweep,
  spawnTrainingWorker,
  spawnWorker,
  startSweep,
  stopChild,
  testWorkerArgv,
  useSweepEnvironment,
  waitFor,
} from "./support/harness";

const POOL = `packed-${RUN}`;
const execFileAsync = promisify(execFile);
/** Momenta above 0: SGD with a momentum slot, so the four trials are one lock-step group. */
const MOMENTA = [0.1, 0.3, 0.5, 0.9];
const epochs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Every epoch once in each trial, and each trial trained in a pack of `size` (never solo). */
function expectEveryEpochOnce(artefacts: TrialArtifact[], n: number, size: number): void {
  for (const a of artefacts) {
    expect(a.records.map((r) => r.epoch)).toEqual(epochs(n));
    expect(a.packSize).toBe(size);
  }
}

/** Packed variants of the worker-kill and cancel/retry tests: every trial once, every epoch once. */
describe("packed sweeps (execution.pack) under faults", () => {
  const env = useSweepEnvironment(POOL, [
    ["--worker-id", `a-${RUN}`],
    ["--worker-id", `b-${RUN}`],
  ]);
  const { config, store } = env;

  it("kill -9 mid-pack: each trial resumes from its own newest checkpoint, nothing lost or doubled", async () => {
    const EPOCHS = 80;
    const EVERY = 10;
    const spec = await smallSweep(config, "pack-kill", POOL, {
      epochs: EPOCHS,
      checkpointEvery: EVERY,
      maxParallel: 1,
      pack: 4,
      momenta: MOMENTA,
      heartbeatTimeoutSeconds: 10,
    });
    const trials = expandTrials(spec);
    const sweepId = await startSweep(env.client, spec);
    const packId = packIdOf(trials);
    const mid = await waitFor("the pack mid-way, past two checkpoints", async () => {
      const running = await pendingTrials(env.client, sweepId);
      const ok =
        running.length === trials.length &&
        running.every((t) => (t.checkpointEpoch ?? 0) >= 2 * EVERY && t.epoch < EPOCHS - EVERY);
      return ok ? running : undefined;
    });
    expect(new Set(mid.map((t) => t.activityId))).toEqual(new Set([packId]));
    const victim = env.workers.find((_, i) => mid[0]!.identity.startsWith(`${"ab"[i]}-${RUN}`))!;
    expect(victim).toBeDefined();
    victim.kill("SIGKILL");
    await new Promise((r) => victim.once("exit", r));
    const newest = new Map<string, number>();
    for (const t of trials) {
      const left = (await store.list(trialKeys(t.trialId).checkpointsPrefix))
        .map(checkpointEpoch)
        .filter((e): e is number => e !== undefined);
      newest.set(t.trialId, Math.max(...left));
    }

    const result = await env.client.handle(sweepId).result();
    expect(result.counts).toEqual({
      completed: trials.length,
      diverged: 0,
      failed: 0,
      cancelled: 0,
    });
    const summary = await readSummary(config, sweepId);
    expect(summary.leaderboard.map((l) => l.trialId).sort()).toEqual(
      trials.map((t) => t.trialId).sort(),
    );
    const artefacts = await readAllTrials(store, sweepId);
    expect(artefacts).toHaveLength(trials.length);
    expectEveryEpochOnce(artefacts, EPOCHS, trials.length);
    for (const a of artefacts) {
      const killed = a.attemptLog?.find((l) => l.attempt === mid[0]!.attempt);
      const resumed = a.attemptLog?.find((l) => l.attempt === mid[0]!.attempt + 1);
      expect(resumed?.resumedFromEpoch).toBe(newest.get(a.trialId));
      expect(killed!.reachedEpoch - newest.get(a.trialId)!).toBeLessThanOrEqual(EVERY);
      expect(a.attempts).toBeGreaterThanOrEqual(2);
      expect(a.backend).toBe("wasm");
    }
  });

  it("linear trials of a pack finished before a kill -9 are not retrained", async () => {
    const helper = spawnTrainingWorker(POOL, ["--worker-id", `c-${RUN}`]);
    const EPOCHS = 6000;
    try {
      const { spec: raw, dir } = await seedSpec("01-linear-lr.yaml", (s) => ({
        ...s,
        name: `pack-linear-${RUN}`,
        grid: { ...s.grid, learningRate: [1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5], seed: [1] },
        training: { ...s.training, epochs: EPOCHS, checkpointEvery: 1000 },
        execution: {
          ...s.execution,
          pool: POOL,
          maxParallel: 1,
          pack: "auto",
          heartbeatTimeoutSeconds: 10,
          retry: { maximumAttempts: 5, initialIntervalSeconds: 1, maximumIntervalSeconds: 2 },
        },
      }));
      const spec = await prepare(config, raw, dir);
      const trials = expandTrials(spec);
      const sweepId = await startSweep(env.client, spec);
      const seen = await waitFor("some trials of the pack done, some not", async () => {
        const running = await pendingTrials(env.client, sweepId);
        const done = running.filter((t) => t.epoch === EPOCHS).length;
        return done >= 2 && done <= trials.length - 2 ? running : undefined;
      });
      expect(seen).toHaveLength(trials.length);
      const named = [
        ...env.workers.map((child, i) => ({ id: `${"ab"[i]}-${RUN}`, child })),
        { id: `c-${RUN}`, child: helper },
      ];
      const victim = named.find((w) => seen[0]!.identity.startsWith(w.id))?.child;
      victim!.kill("SIGKILL");
      await new Promise((r) => victim!.once("exit", r));
      const result = await env.client.handle(sweepId).result();
      expect(result.counts.completed + result.counts.diverged).toBe(trials.length);
      const artefacts = await readAllTrials(store, sweepId);
      expect(artefacts).toHaveLength(trials.length);
      expectEveryEpochOnce(artefacts, EPOCHS, trials.length);
      // Committed by the killed attempt: kept, never trained again by a later one.
      const killed = seen[0]!.attempt;
      const kept = artefacts.filter((a) => a.attempts === killed);
      const retrained = artefacts.filter((a) => a.attempts > killed);
      expect(kept.length).toBeGreaterThanOrEqual(1);
      expect(retrained.length).toBeGreaterThanOrEqual(1);
      for (const a of kept) {
        expect(a.attemptLog?.every((l) => l.attempt <= killed)).toBe(true);
        expect(a.attemptLog?.at(-1)?.reachedEpoch).toBe(EPOCHS);
      }
    } finally {
      await stopChild(helper, "SIGKILL");
    }
  });

  it("cancel mid-pack keeps each trial's partial curve; retry resumes each from its checkpoint", async () => {
    const helper = spawnTrainingWorker(POOL, ["--worker-id", `d-${RUN}`]);
    const EPOCHS = 100;
    try {
      const spec = await smallSweep(config, "pack-cancel", POOL, {
        epochs: EPOCHS,
        checkpointEvery: 5,
        maxParallel: 1,
        pack: 4,
        momenta: MOMENTA,
        heartbeatTimeoutSeconds: 10,
      });
      const total = expandTrials(spec).length;
      const sweepId = await startSweep(env.client, spec);
      await waitFor("the pack past epoch 10", async () => {
        const running = await pendingTrials(env.client, sweepId);
        return running.length === total && running.every((t) => t.epoch >= 10)
          ? running
          : undefined;
      });
      await env.client.signal(sweepId, "cancel");
      const result = await env.client.handle(sweepId).result();
      expect(result.cancelled).toBe(true);
      expect(result.counts.cancelled).toBe(total);
      const partial = await readAllTrials(store, sweepId);
      expect(partial.map((a) => a.status)).toEqual(Array(total).fill("cancelled"));
      for (const a of partial) {
        expect(a.records.length).toBeGreaterThanOrEqual(10);
        expect(a.records.length).toBeLessThan(EPOCHS);
        expect(a.records.map((r) => r.epoch)).toEqual(epochs(a.records.length));
      }
      const retry = await execFileAsync(
        process.execPath,
        [BIN, "retry", sweepId, "--wait", "--json"],
        {
          env: process.env,
        },
      );
      const retried = JSON.parse(retry.stdout) as { counts: Record<string, number> };
      expect(retried.counts.completed).toBe(total);
      const done = await readAllTrials(store, sweepId);
      expect(done).toHaveLength(total);
      expectEveryEpochOnce(done, EPOCHS, total);
      for (const a of done) expect(a.resumedFromEpochs.length).toBeGreaterThanOrEqual(1);
    } finally {
      await stopChild(helper, "SIGKILL");
    }
  });

  it("--backend auto takes native tensorflow where installed and trains a seed sweep packed; the report's cards say so", async () => {
    // CI installs the backend and requires it (HYPERSWEEP_TEST_BACKENDS); elsewhere auto falls
    // back to wasm, where MLP trials train solo.
    const native = testBackends().includes("tensorflow");
    const pool = `packed-auto-${RUN}`;
    const worker = spawnWorker(testWorkerArgv(pool, ["--no-sweeps"], "auto"));
    try {
      await waitFor("the auto worker registered", async () =>
        (await listLiveWorkers(store)).find((w) => w.pool === pool),
      );
      expect(worker.stderr()).toContain(`training backend ${native ? "tensorflow" : "wasm"}`);
      const { spec: raw, dir } = await seedSpec("03-momentum.yaml", (s) => ({
        ...s,
        name: `pack-auto-${RUN}`,
        training: { ...s.training, epochs: 20, checkpointEvery: 10 },
        execution: { ...s.execution, pool, pack: "auto" },
      }));
      const spec = await prepare(config, raw, dir);
      const trials = expandTrials(spec);
      const sweepId = await startSweep(env.client, spec);
      const result = await env.client.handle(sweepId).result();
      expect(result.counts.completed).toBe(trials.length);
      const artefacts = await readAllTrials(store, sweepId);
      expect(artefacts).toHaveLength(trials.length);
      // Momentum 0 trains without a momentum slot, yet shares the one lock-step pack.
      expect(trials.some((t) => !t.config.optimizer.momentum)).toBe(true);
      for (const a of artefacts) {
        expect(a.backend).toBe(native ? "tensorflow" : "wasm");
        if (native) expect(a.packSize).toBe(trials.length);
        else expect(a.packSize ?? 1).toBe(1);
        expect(a.records.map((r) => r.epoch)).toEqual(epochs(20));
      }
      const out = resolve("test-output", `pack-auto-${RUN}`);
      const report = await runCli(["report", sweepId, "--out", out]);
      expect(report.code).toBe(0);
      const html = await readFile(join(out, "index.html"), "utf8");
      const card = (key: string) =>
        new RegExp(`<span class="k">${key}</span><span class="v">([^<]*)<`).exec(html)?.[1];
      expect(card("backend")).toBe(native ? "tensorflow" : "wasm");
      expect(card("packing")).toBe(native ? `packs of ${trials.length}` : "solo");
    } finally {
      await stopChild(worker.child, "SIGKILL");
    }
  });
});
