import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect } from "vitest";
import { resolveInputs, retrainTrials, SweepClient, uploadInputs } from "../../../client";
import { type HypersweepConfig, loadConfig } from "../../../config";
import { expandTrials, parseSpec, type SweepSpec } from "../../../spec";
import { loadSpecFile } from "../../../spec/file";
import type { BackendPreference } from "../../../spec/types";
import type { SweepSummary } from "../../../storage/artifacts";
import { sweepKeys } from "../../../storage/keys";
import { ArtifactStore } from "../../../storage/store";
import { readAllTrials } from "../../../storage/trials";
import { workerArgv } from "../../../workers/pool";
import { runSweepWorker } from "../../../workers/sweep-worker";
import type { StatusCounts } from "../../../workflows/definitions";

export const BIN = resolve("bin/hypersweep.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI as a child process, with the test stack's environment; never throws on exit codes. */
export async function runCli(
  args: string[],
  options: { timeout?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: process.env,
      ...options,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

export const BMI_CSV = resolve("examples/data/bmi.csv");

/** A tiny raw BMI spec (2 trials, 3 epochs) as a user would write it; `patch` replaces sections. */
export function bmiSpec(
  name: string,
  pool: string,
  patch: Record<string, unknown> = {},
  data = BMI_CSV,
) {
  return {
    name,
    dataset: {
      path: data,
      features: ["Height", "Weight", "Gender"],
      target: "Index",
      task: "classification",
      numClasses: 6,
      split: { head: 300 },
    },
    model: { type: "mlp", hidden: [8] },
    training: { epochs: 3, checkpointEvery: 1 },
    grid: { optimizer: ["sgd", "adam"], learningRate: [0.01], seed: [1] },
    execution: { pool, maxParallel: 2 },
    ...patch,
  };
}

/** A run-unique suffix for sweep names and pools. */
export const RUN = Date.now().toString(36);

/** The stack's own bucket: its discovery server serves the worker registry kept there. */
export const STACK_BUCKET = process.env.HYPERSWEEP_BUCKET ?? "hypersweep";

/**
 * Trials are shared by id across sweeps (storage/keys.ts), so each test file works in a bucket
 * of its own: neither a rerun against a kept test stack nor another test file training the same
 * settings can hand it trials it expects to train. Workers and CLI commands the file spawns
 * inherit it through the environment.
 */
process.env.HYPERSWEEP_BUCKET = `hypersweep-test-${RUN}-${randomBytes(2).toString("hex")}`;

export function testConfig(): HypersweepConfig {
  return loadConfig(process.env);
}

await new ArtifactStore(testConfig().s3).ensureBucket();

/** A seed spec with overrides (deep-merged one level), revalidated. */
export async function seedSpec(
  file: string,
  patch: (raw: SweepSpec) => unknown,
): Promise<{ spec: SweepSpec; dir: string }> {
  const { spec, dir } = await loadSpecFile(resolve("examples/seed", file));
  return { spec: parseSpec(patch(spec)), dir };
}

/** Uploads the spec's data and returns the spec as the CLI would start it. */
export async function prepare(
  config: HypersweepConfig,
  spec: SweepSpec,
  dir: string,
): Promise<SweepSpec> {
  const store = new ArtifactStore(config.s3);
  await store.ensureBucket();
  const prepared = await resolveInputs(spec, dir);
  await uploadInputs(store, prepared);
  return prepared.spec;
}

/** The orchestration worker, in this process. */
export function startSweepWorker(config: HypersweepConfig) {
  const stop = new AbortController();
  const running = runSweepWorker(config, stop.signal);
  return {
    stop: async () => {
      stop.abort();
      await running;
    },
  };
}

/** A worker's argv for tests: the pool's one argv builder, wasm (unless told), one process, free ports. */
export function testWorkerArgv(
  pool: string,
  extra: string[] = [],
  backend: BackendPreference = "wasm",
): string[] {
  return workerArgv(
    {
      pool,
      backend,
      concurrency: 1,
      slotsPerProcess: 1,
      metricsPort: 0,
      metricsHost: "127.0.0.1",
      workerId: `${pool}-${randomBytes(3).toString("hex")}`,
      connectTimeoutSeconds: 600,
    },
    extra,
  );
}

/** A real `hypersweep` worker process; its stderr is kept (and echoed when verbose). */
export function spawnWorker(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string) {
  return spawnTracked(process.execPath, argv, { env, ...(cwd ? { cwd } : {}) });
}

/** A child process killed with this test process, its stderr kept (and echoed when verbose). */
export function spawnTracked(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "ignore", "pipe"] });
  // A test that fails before its cleanup must not leave a worker polling: kill it when this
  // test process exits, whatever happened.
  const reap = () => child.kill("SIGKILL");
  process.once("exit", reap);
  child.once("exit", () => process.off("exit", reap));
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (process.env.HYPERSWEEP_TEST_VERBOSE) process.stderr.write(d);
  });
  return { child, stderr: () => stderr };
}

/** A training worker as a real child process (`hypersweep worker --no-sweeps`). */
export function spawnTrainingWorker(pool: string, extra: string[] = []): ChildProcess {
  return spawnWorker(testWorkerArgv(pool, ["--no-sweeps", ...extra])).child;
}

export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await Promise.race([once(child, "exit"), sleep(30_000).then(() => child.kill("SIGKILL"))]);
}

/**
 * Starts a sweep of `spec`. Trials are shared by every sweep (stored by trial id), so by default
 * its trials are first forgotten as `run --retrain` does, and the sweep trains them itself, from
 * epoch 0: a test never finishes early on trials (or lineage checkpoints) another test trained.
 * `reuse: true` keeps what is stored, for the tests of reuse itself.
 */
export async function startSweep(
  client: SweepClient,
  spec: SweepSpec,
  options: { historyLimit?: number; reuse?: boolean } = {},
): Promise<string> {
  if (!options.reuse) await retrainTrials(new ArtifactStore(testConfig().s3), spec);
  const { historyLimit } = options;
  const { sweepId, started } = await client.start(spec, historyLimit ? { historyLimit } : {});
  if (!started) throw new Error(`sweep ${sweepId} already running`);
  return sweepId;
}

/** Polls until `check` returns a value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 300_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

export async function readSummary(
  config: HypersweepConfig,
  sweepId: string,
): Promise<SweepSummary> {
  return new ArtifactStore(config.s3).getJson<SweepSummary>(sweepKeys(sweepId).summary);
}

export { SweepClient };

/**
 * The sweep's promise after failures: every trial of the spec completed, each exactly once in
 * the leaderboard, and each curve holds every epoch exactly once. Returns the trials' artefacts.
 */
export async function expectEachTrialAndEpochOnce(
  config: HypersweepConfig,
  spec: SweepSpec,
  sweepId: string,
  result: { counts: StatusCounts },
  epochs: number,
) {
  const trials = expandTrials(spec);
  expect(result.counts).toEqual({ completed: trials.length, diverged: 0, failed: 0, cancelled: 0 });
  const ids = (await readSummary(config, sweepId)).leaderboard.map((l) => l.trialId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.sort()).toEqual(trials.map((t) => t.trialId).sort());
  const artefacts = await readAllTrials(new ArtifactStore(config.s3), sweepId);
  for (const a of artefacts) {
    expect(a.records.map((r) => r.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
  }
  return artefacts;
}

/** A small MLP sweep (seed experiment 3's network) for failure tests. */
export async function smallSweep(
  config: HypersweepConfig,
  name: string,
  pool: string,
  opts: {
    epochs: number;
    checkpointEvery: number;
    maxParallel: number;
    momenta?: number[];
    /** execution.pack; the default (auto) packs nothing on the tests' wasm workers. */
    pack?: number;
    heartbeatTimeoutSeconds?: number;
  },
): Promise<SweepSpec> {
  const { spec, dir } = await seedSpec("03-momentum.yaml", (s) => ({
    ...s,
    name: `${name}-${RUN}`,
    grid: { ...s.grid, seed: [1], momentum: opts.momenta ?? s.grid.momentum },
    training: { ...s.training, epochs: opts.epochs, checkpointEvery: opts.checkpointEvery },
    execution: {
      ...s.execution,
      pool,
      maxParallel: opts.maxParallel,
      ...(opts.pack === undefined ? {} : { pack: opts.pack }),
      heartbeatTimeoutSeconds: opts.heartbeatTimeoutSeconds ?? 5,
      retry: {
        maximumAttempts: 20,
        initialIntervalSeconds: 1,
        backoffCoefficient: 2,
        maximumIntervalSeconds: 4,
      },
    },
  }));
  return prepare(config, spec, dir);
}

type Beat = { trialId: string; epoch: number; checkpointEpoch?: number };

/**
 * Pending training activities of a sweep, one entry per trial (a pack's heartbeat lists each of
 * its trials): attempt, worker identity, activity id and the trial's last heartbeat.
 */
export async function pendingTrials(client: SweepClient, sweepId: string) {
  const raw = await client.client.workflowService.describeWorkflowExecution({
    namespace: client.client.options.namespace,
    execution: { workflowId: sweepId },
  });
  const converter = client.client.options.loadedDataConverter.payloadConverter;
  return (raw.pendingActivities ?? []).flatMap((a) => {
    const payload = a.heartbeatDetails?.payloads?.[0];
    const details = payload
      ? (converter.fromPayload(payload) as Beat | { packId: string; trials: Beat[] })
      : undefined;
    const beats = details && "trials" in details ? details.trials : [details];
    return beats.map((d) => ({
      trialId: d?.trialId,
      identity: a.lastWorkerIdentity ?? "",
      activityId: a.activityId ?? "",
      attempt: a.attempt ?? 1,
      epoch: d?.epoch ?? 0,
      checkpointEpoch: d?.checkpointEpoch,
    }));
  });
}

/**
 * The usual fixture of a sweep test: an in-process orchestrator, training workers (child
 * processes, one per entry of `workerArgs`) on `pool`, and a client; torn down after the file.
 */
export function useSweepEnvironment(pool: string, workerArgs: string[][] = [[]]) {
  const config = testConfig();
  const env = {
    config,
    store: new ArtifactStore(config.s3),
    client: undefined as unknown as SweepClient,
    workers: [] as ChildProcess[],
  };
  let orchestrator: ReturnType<typeof startSweepWorker> | undefined;
  beforeAll(async () => {
    env.workers = workerArgs.map((args) => spawnTrainingWorker(pool, args));
    env.client = await SweepClient.connect(config);
    orchestrator = startSweepWorker(config);
  });
  afterAll(async () => {
    await Promise.all(env.workers.map((w) => stopChild(w)));
    await orchestrator?.stop();
    await env.client?.close();
  });
  return env;
}
