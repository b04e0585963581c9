import { type ChildProcess, execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveInputs, uploadInputs } from "../../client";
import { expandTrials, parseSpec } from "../../spec";
import { loadSpecFile } from "../../spec/file";
import type { SweepSummary } from "../../storage/artifacts";
import { ArtifactStore } from "../../storage/store";
import { readAllTrials } from "../../storage/trials";
import { workerArgv } from "../../workers/pool";
import {
  BIN,
  pendingTrials,
  RUN,
  readSummary,
  SweepClient,
  spawnWorker,
  startSweep,
  startSweepWorker,
  stopChild,
  testConfig,
  waitFor,
} from "./support/harness";
import { prometheusApi } from "./support/prometheus";

const POOL = `modules-${RUN}`;
const EPOCHS = 24;
const EVERY = 4;

async function cli(args: string[], cwd?: string) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: process.env,
      ...(cwd ? { cwd } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** The user's folder: the example's module, its helper, spec and data, in a fresh temp folder. */
async function userFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "hypersweep-user-"));
  await cp(resolve("examples/models"), join(dir, "models"), { recursive: true });
  await mkdir(join(dir, "data"));
  for (const f of ["bars-6x6.csv", "bmi.csv"])
    await cp(resolve("examples/data", f), join(dir, "data", f));
  return dir;
}

// Issue 10 item 2: the example model module on the real stack, trained by workers that have no
// copy of the user's folder (own cwd and state dir; the folder is deleted before they train).
describe("a model module sweep", () => {
  const config = testConfig();
  const env = { client: undefined as unknown as SweepClient };
  const workers: ChildProcess[] = [];
  let orchestrator: ReturnType<typeof startSweepWorker> | undefined;

  /** A training worker elsewhere: its own empty cwd and state dir, S3 keys given explicitly. */
  async function remoteWorker(name: string): Promise<ChildProcess> {
    const home = await mkdtemp(join(tmpdir(), `hypersweep-remote-${name}-`));
    await mkdir(join(home, "cwd"));
    const workerEnv = {
      ...process.env,
      HYPERSWEEP_STATE_DIR: join(home, "state"),
      HYPERSWEEP_S3_ACCESS_KEY: config.s3.accessKey?.reveal() ?? "",
      HYPERSWEEP_S3_SECRET_KEY: config.s3.secretKey?.reveal() ?? "",
      // Scraped through the stack's file_sd folder, as a worker on the stack's machine would be.
      HYPERSWEEP_PROMETHEUS_SD_DIR: config.prometheus.sdDir,
    };
    // The conv net's gradients are not in the wasm backend the other tests use.
    const argv = workerArgv(
      {
        pool: POOL,
        backend: "cpu",
        concurrency: 1,
        slotsPerProcess: 1,
        metricsPort: 0,
        metricsHost: "127.0.0.1",
        workerId: `${name}-${RUN}`,
        connectTimeoutSeconds: 600,
      },
      ["--no-sweeps"],
    );
    const worker = spawnWorker(argv, workerEnv, join(home, "cwd")).child;
    workers.push(worker);
    return worker;
  }

  beforeAll(async () => {
    await remoteWorker("a");
    await remoteWorker("b");
    env.client = await SweepClient.connect(config);
    orchestrator = startSweepWorker(config);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopChild(w)));
    await orchestrator?.stop();
    await env.client?.close();
  });

  it("trains the example's conv net from the bucket; a kill -9 mid-trial resumes, each epoch once", async () => {
    const dir = await userFolder();
    const { spec } = await loadSpecFile(join(dir, "models/conv-bars.yaml"));
    const short = parseSpec({
      ...spec,
      name: `conv-bars-${RUN}`,
      grid: { ...spec.grid, learningRate: [0.01], seed: [1] },
      training: { ...spec.training, epochs: EPOCHS, checkpointEvery: EVERY },
      execution: {
        ...spec.execution,
        pool: POOL,
        maxParallel: 2,
        heartbeatTimeoutSeconds: 5,
        retry: { maximumAttempts: 10, initialIntervalSeconds: 1, maximumIntervalSeconds: 2 },
      },
    });
    const store = new ArtifactStore(config.s3);
    await store.ensureBucket();
    const prepared = await resolveInputs(short, join(dir, "models"));
    await uploadInputs(store, prepared);
    await rm(dir, { recursive: true, force: true }); // no worker can read the user's folder now
    const key = prepared.module!.key;
    expect(prepared.spec.model).toEqual({ type: "module", module: `s3://${key}` });
    expect(await store.exists(key)).toBe(true);
    const planned = expandTrials(prepared.spec);
    expect(planned).toHaveLength(2);

    const sweepId = await startSweep(env.client, prepared.spec);
    const victim = await waitFor("worker a mid-trial", async () => {
      const running = await pendingTrials(env.client, sweepId);
      return running.find(
        (t) =>
          t.identity.startsWith(`a-${RUN}`) &&
          (t.checkpointEpoch ?? 0) >= 2 * EVERY &&
          t.epoch < EPOCHS - EVERY,
      );
    });
    workers[0]!.kill("SIGKILL");
    const result = await env.client.handle(sweepId).result();
    expect(result.counts).toEqual({ completed: 2, diverged: 0, failed: 0, cancelled: 0 });

    const artefacts = await readAllTrials(store, sweepId);
    expect(artefacts.map((a) => a.trialId).sort()).toEqual(planned.map((t) => t.trialId).sort());
    for (const a of artefacts) {
      expect(a.records.map((r) => r.epoch)).toEqual(
        Array.from({ length: EPOCHS }, (_, i) => i + 1),
      );
      expect(a.records.at(-1)!.valMetric).toBeGreaterThan(0.5); // three classes: well above chance
    }
    const interrupted = artefacts.find((a) => a.trialId === victim.trialId)!;
    const killed = interrupted.attemptLog?.find((l) => l.attempt === victim.attempt);
    const resumed = interrupted.attemptLog?.find((l) => l.attempt === victim.attempt + 1);
    expect(resumed?.resumedFromEpoch).toBeGreaterThanOrEqual(victim.checkpointEpoch!);
    expect(killed!.reachedEpoch - resumed!.resumedFromEpoch!).toBeLessThanOrEqual(EVERY);

    const out = await mkdtemp(join(tmpdir(), "hypersweep-modules-report-"));
    const report = await cli(["report", sweepId, "--out", out]);
    expect(report.code).toBe(0);
    const html = await readFile(report.stdout.trim(), "utf8");
    expect(html).toContain("filters");
    for (const t of planned) expect(html).toContain(t.trialId);

    const prom = prometheusApi(config.prometheus.url);
    const series = await waitFor(
      "the module trials' series in Prometheus",
      async () => {
        const found = await prom.query(`hypersweep_trial_epoch{sweep="${sweepId}"}`);
        const trials = new Set(found.map((s) => s.metric.trial));
        return trials.size === planned.length ? found : undefined;
      },
      60_000,
    );
    const hashes = new Set(series.map((s) => s.metric.params_hash));
    expect(hashes.size).toBe(2); // filters 4 and 8
    for (const s of series)
      expect(s.metric).toMatchObject({ hidden: "none", epochs: String(EPOCHS) });
  });

  it("a module that fails on a worker fails its trial once, named in status, results, report and exit code", async () => {
    const dir = await userFolder();
    await writeFile(
      join(dir, "models/picky.ts"),
      `import * as tf from "@tensorflow/tfjs";
export function buildModel({ params, inputShape, outputUnits }) {
  if (params.width === 3) throw new Error("width 3 is not supported");
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: params.width, activation: "relu", inputShape }));
  model.add(tf.layers.dense({ units: outputUnits }));
  return model;
}
`,
    );
    const write = (name: string, module: string, widths: number[]) =>
      writeFile(
        join(dir, "models", name),
        JSON.stringify({
          name: `${name.replace(".json", "")}-${RUN}`,
          dataset: {
            path: "../data/bmi.csv",
            features: ["Height", "Weight", "Gender"],
            target: "Index",
            task: "classification",
            numClasses: 6,
            split: { head: 300 },
            standardize: true,
          },
          model: { module },
          training: { epochs: 2 },
          grid: { optimizer: ["adam"], seed: [1], params: { width: widths } },
          execution: { pool: POOL, retry: { maximumAttempts: 3, initialIntervalSeconds: 1 } },
        }),
      );
    await write("picky.json", "./picky.ts", [4, 3]);
    const run = await cli(["run", "models/picky.json", "--wait"], dir);
    expect(run.code).toBe(1);
    const message = "model module picky.ts: buildModel threw: width 3 is not supported";
    expect(run.stdout).toContain(message);
    const sweepId = /\((picky-[a-z0-9]+-[0-9a-f]{8})\)/.exec(run.stdout)?.[1];
    expect(sweepId).toBeDefined();
    const summary: SweepSummary = await readSummary(config, sweepId!);
    expect(summary.counts).toMatchObject({ completed: 1, failed: 1 });
    const failed = summary.leaderboard.find((t) => t.status === "failed")!;
    expect(failed).toMatchObject({ params: { width: 3 }, attempts: 1 });
    expect(failed.error).toContain(message);
    const status = await cli(["status", sweepId!]);
    expect(status.stdout).toContain(message);
    const out = await mkdtemp(join(tmpdir(), "hypersweep-modules-report-"));
    const report = await cli(["report", sweepId!, "--out", out]);
    expect(await readFile(report.stdout.trim(), "utf8")).toContain(message);

    // Checked before anything is scheduled: a model that does not fit the data is exit 2.
    await writeFile(
      join(dir, "models/wide.ts"),
      `import * as tf from "@tensorflow/tfjs";
export default ({ inputShape }) => tf.sequential({ layers: [tf.layers.dense({ units: 10, inputShape })] });
`,
    );
    await write("wide.json", "./wide.ts", [4]);
    const refused = await cli(["run", "models/wide.json"], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "model module wide.ts: the model outputs shape [null, 10], but the data needs [null, 6] (6 classes)",
    );
  });
});
