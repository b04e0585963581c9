import type { ChildProcess } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureVenv } from "../../infra/python-venv";
import { expandTrials, parseSpec } from "../../spec";
import { loadSpecFile } from "../../spec/file";
import { checkpointEpoch, trialKeys } from "../../storage/keys";
import { ArtifactStore } from "../../storage/store";
import { readAllTrials } from "../../storage/trials";
import {
  pendingTrials,
  prepare,
  RUN,
  readSummary,
  runCli,
  SweepClient,
  spawnWorker,
  startSweep,
  startSweepWorker,
  stopChild,
  testConfig,
  testWorkerArgv,
  waitFor,
} from "./support/harness";
import { prometheusApi } from "./support/prometheus";

const EXAMPLE = resolve("examples/command");
const BAD = resolve("test/integration/fixtures/command");
const POOL = `command-${RUN}`;

// Issue 10's command-trial example (train.py, scikit-learn) on real workers: the venv comes
// from PyPI once into the cache; the workers find python3 through their PATH, as a user's would.
describe("command trials on the real stack", () => {
  const config = testConfig();
  const workers = new Map<string, ChildProcess>();
  let client: SweepClient;
  let orchestrator: ReturnType<typeof startSweepWorker> | undefined;
  let workerEnv: NodeJS.ProcessEnv;
  const startWorker = (id: string) => {
    const argv = testWorkerArgv(POOL, ["--no-sweeps", "--worker-id", id]);
    workers.set(id, spawnWorker(argv, workerEnv).child);
  };

  beforeAll(async () => {
    const pins = (await readFile(join(EXAMPLE, "requirements.txt"), "utf8"))
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    const venv = ensureVenv(config.cacheDir, "example-command", pins, (l) =>
      process.stderr.write(`${l}\n`),
    );
    workerEnv = { ...process.env, PATH: `${join(venv, "bin")}:${process.env.PATH}` };
    startWorker(`a-${RUN}`);
    startWorker(`b-${RUN}`);
    client = await SweepClient.connect(config);
    orchestrator = startSweepWorker(config);
  }, 900_000);

  afterAll(async () => {
    await Promise.all([...workers.values()].map((w) => stopChild(w)));
    await orchestrator?.stop();
    await client?.close();
  });

  it("runs the example from code in the bucket: curves, report and Prometheus series", async () => {
    // The user's folder is gone before any trial starts: workers run the bucket's bytes.
    const copy = await mkdtemp(join(tmpdir(), "hypersweep-command-example-"));
    await cp(EXAMPLE, join(copy, "command"), { recursive: true });
    await cp(resolve("examples/data"), join(copy, "data"), { recursive: true });
    const { spec, dir } = await loadSpecFile(join(copy, "command", "sweep.yaml"));
    const short = parseSpec({
      ...spec,
      name: `command-${RUN}`,
      training: { ...spec.training, epochs: 4, checkpointEvery: 2 },
      execution: { ...spec.execution, pool: POOL, maxParallel: 2 },
    });
    const prepared = await prepare(config, short, dir);
    await rm(copy, { recursive: true, force: true });
    expect(prepared.model).toMatchObject({
      code: expect.stringMatching(/^s3:\/\/code\/[0-9a-f]{64}\//),
    });
    const planned = expandTrials(prepared);
    expect(planned).toHaveLength(4);
    const sweepId = await startSweep(client, prepared);
    const result = await client.handle(sweepId).result();
    expect(result.counts).toEqual({ completed: 4, diverged: 0, failed: 0, cancelled: 0 });

    const summary = await readSummary(config, sweepId);
    const combos = summary.leaderboard.map((t) => `${t.params.optimizer}/${t.params.width}`);
    expect(new Set(combos)).toEqual(new Set(["sgd/16", "sgd/64", "adam/16", "adam/64"]));
    for (const a of await readAllTrials(new ArtifactStore(config.s3), sweepId)) {
      expect(a.backend).toBe("command");
      expect(a.records.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
      for (const r of a.records) expect(r.valMetric).toBeGreaterThanOrEqual(0);
    }
    // Better than guessing among 6 classes: the script really trained.
    expect(summary.leaderboard[0]!.finalValMetric).toBeGreaterThan(1 / 6);

    const out = await mkdtemp(join(tmpdir(), "hypersweep-command-report-"));
    const report = await runCli(["report", sweepId, "--out", out]);
    expect(report.code).toBe(0);
    const html = await readFile(report.stdout.trim(), "utf8");
    expect(html).toContain("width");

    const prom = prometheusApi(config.prometheus.url);
    const series = await waitFor(
      "the command trials' series in Prometheus",
      async () => {
        const found = await prom.query(`hypersweep_trial_epoch{sweep="${sweepId}"}`);
        return found.length === planned.length ? found : undefined;
      },
      60_000,
    );
    for (const s of series) {
      expect(s.metric).toMatchObject({ epochs: "4", hidden: "none" });
      expect(s.metric.params_hash).toMatch(/^[0-9a-f]{8}$/);
    }
    expect(new Set(series.map((s) => s.metric.params_hash)).size).toBe(2);
  });

  it("resumes a command trial killed with SIGKILL from its checkpoint: each epoch once", async () => {
    const EPOCHS = 12;
    const EVERY = 3;
    const { spec, dir } = await loadSpecFile(join(EXAMPLE, "sweep.yaml"));
    const raw = {
      ...spec,
      name: `command-kill-${RUN}`,
      model: { ...spec.model, env: { EPOCH_SLEEP: "0.5" } },
      training: { ...spec.training, epochs: EPOCHS, checkpointEvery: EVERY },
      grid: { ...spec.grid, optimizer: ["adam"], params: { width: [16] } },
      execution: {
        ...spec.execution,
        pool: POOL,
        maxParallel: 1,
        heartbeatTimeoutSeconds: 5,
        retry: {
          maximumAttempts: 5,
          initialIntervalSeconds: 1,
          backoffCoefficient: 2,
          maximumIntervalSeconds: 2,
        },
      },
    };
    const prepared = await prepare(config, parseSpec(raw), dir);
    const sweepId = await startSweep(client, prepared);
    const victim = await waitFor("a command trial past its first checkpoint", async () => {
      const [t] = await pendingTrials(client, sweepId);
      return t && (t.checkpointEpoch ?? 0) >= EVERY && t.epoch < EPOCHS - EVERY ? t : undefined;
    });
    const id = [...workers.keys()].find((w) => victim.identity.startsWith(w))!;
    const worker = workers.get(id)!;
    worker.kill("SIGKILL");
    await new Promise((r) => worker.once("exit", r));
    startWorker(`c-${RUN}`);
    const store = new ArtifactStore(config.s3);
    const left = (await store.list(trialKeys(victim.trialId!).checkpointsPrefix))
      .map(checkpointEpoch)
      .filter((e): e is number => e !== undefined);
    const newest = Math.max(...left);

    const result = await client.handle(sweepId).result();
    expect(result.counts.completed).toBe(1);
    const [trial] = await readAllTrials(store, sweepId);
    expect(trial!.records.map((r) => r.epoch)).toEqual(
      Array.from({ length: EPOCHS }, (_, i) => i + 1),
    );
    const log = trial!.attemptLog ?? [];
    const killed = log.find((l) => l.attempt === victim.attempt);
    const resumed = log.find((l) => l.attempt === victim.attempt + 1);
    expect(resumed?.resumedFromEpoch).toBe(newest);
    expect(newest).toBeGreaterThanOrEqual(EVERY);
    expect(killed!.reachedEpoch - newest).toBeLessThanOrEqual(EVERY);
    expect(trial!.resumedFromEpochs).toContain(newest);
  });

  it("bad commands fail clearly, once each, in status, the report and the exit code", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hypersweep-command-bad-"));
    const file = join(dir, "bad.json");
    await writeFile(
      file,
      JSON.stringify({
        name: `command-bad-${RUN}`,
        dataset: {
          path: resolve("examples/data/bmi.csv"),
          features: ["Height", "Weight", "Gender"],
          target: "Index",
          task: "classification",
          numClasses: 6,
          split: { head: 300 },
        },
        trainable: {
          command: ["{program}", "bad.py", "--mode={mode}"],
          code: BAD,
          reportTimeoutSeconds: 4,
          killGraceSeconds: 1,
        },
        training: { epochs: 3 },
        grid: {
          optimizer: ["sgd"],
          params: {
            program: ["python3", "no-such-python-hs"],
            mode: ["exit", "malformed", "silent"],
          },
          seed: [1],
        },
        execution: { pool: POOL, maxParallel: 6 },
      }),
    );
    const run = await runCli(["run", file, "--wait", "--json"]);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as { sweepId: string; counts: { failed: number } };
    expect(summary.counts.failed).toBe(6);
    const status = await runCli(["status", summary.sweepId]);
    expect(status.code).toBe(1);
    const expected = [
      /no-such-python-hs was not found/,
      /python3 bad.py --mode=exit exited with code 1 at epoch 1 of 3; stderr ends:\n.*Traceback[\s\S]*RuntimeError: the user's code failed/,
      /malformed protocol line on stdout, line 3: not valid JSON/,
      /reported nothing for 4 s after epoch 0 \(trainable.reportTimeoutSeconds\)/,
    ];
    for (const pattern of expected) expect(status.stdout).toMatch(pattern);
    const stored = await readSummary(config, summary.sweepId);
    // Non-retryable: one attempt each, however many the retry policy allows.
    for (const t of stored.leaderboard) expect(t.attempts).toBe(1);
    const out = await mkdtemp(join(tmpdir(), "hypersweep-command-bad-report-"));
    const report = await runCli(["report", summary.sweepId, "--out", out]);
    const html = await readFile(report.stdout.trim(), "utf8");
    for (const message of [
      "no-such-python-hs was not found",
      "bad.py --mode=exit exited with code 1 at epoch 1 of 3",
      "malformed protocol line on stdout, line 3: not valid JSON",
      "reported nothing for 4 s",
    ])
      expect(html).toContain(message);
  });
});
