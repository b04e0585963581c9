import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { connect, writeSweepReport } from "../../client";
import { CREDENTIALS_FILE, type HypersweepConfig } from "../../config";
import { type ServiceStatus, stackUp } from "../../infra/stack";
import { ArtifactStore } from "../../storage/store";
import type { SweepResult } from "../../workflows/definitions";
import { configFrom } from "../context";
import { nativeBackendHint, poolBackends } from "../demo/backend-hint";
import {
  DEMO_POOL,
  type DemoOptions,
  type Experiment,
  prepareExperiments,
} from "../demo/experiments";
import { followSweeps, stepReporter } from "../demo/progress";
import { startDemoWorkers } from "../demo/workers";
import { EXIT_FAILED } from "../exit-codes";
import { leaderboardText } from "../format";

export interface DemoFlags {
  fresh?: boolean;
  epochs?: number;
  seeds?: number[];
  workers?: number;
  out: string;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

/** `<stateDir>/logs/demo-workers.log`, appended to: the workers' output, off the terminal. */
export function workerLog(stateDir: string): {
  path: string;
  fd: number;
  line: (l: string) => void;
} {
  mkdirSync(join(stateDir, "logs"), { recursive: true });
  const path = join(stateDir, "logs", "demo-workers.log");
  const fd = openSync(path, "a");
  return { path, fd, line: (l) => writeSync(fd, `${new Date().toISOString()} ${l}\n`) };
}

/** Ctrl-C / SIGTERM while trials run: stop following, then stop the workers we started. */
function interruptSignal(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (!controller.signal.aborted) say("\nstopping the demo's workers (the stack keeps running)…");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Starts the sweeps (a finished one with the same id starts again and reuses every trial). */
async function runSweeps(
  config: HypersweepConfig,
  experiments: Experiment[],
  workersOpt: number | undefined,
): Promise<SweepResult[]> {
  const stop = interruptSignal();
  // SDK warnings and the tfjs banner of the training processes would break the progress bar.
  const log = workerLog(config.stateDir);
  const workers = startDemoWorkers(config, {
    pool: DEMO_POOL,
    processes: workersOpt,
    log: log.line,
    output: log.fd,
  });
  say(
    `workers: orchestration in this process, ${workers.processes} training process(es) on pool ${DEMO_POOL}; their log: ${log.path}`,
  );
  const client = await connect(config);
  try {
    // `pack: auto` is chosen from the registered workers: start the sweeps once they are listed.
    const hint = nativeBackendHint(await poolBackends(new ArtifactStore(config.s3), DEMO_POOL));
    if (hint) say(hint);
    for (const e of experiments) {
      const { started: fresh, warning } = await client.start(e.spec, { sweepId: e.sweepId });
      if (warning) say(warning);
      say(`  ${fresh ? "started" : "following"} ${e.sweepId}`);
    }
    const sweeps = experiments.map((e) => ({ sweepId: e.sweepId, name: e.spec.name }));
    const died = workers.exited.then(() => {
      throw new Error("the demo's workers stopped unexpectedly");
    });
    return await Promise.race([
      followSweeps(client, sweeps, { out: process.stderr, stop: stop.signal }),
      died,
    ]);
  } catch (error) {
    if (stop.signal.aborted) {
      throw new Error(
        "interrupted; the sweeps stay in Temporal and wait for workers: `hypersweep demo` (same flags, without --fresh) or `hypersweep worker --pool cpu` continues them, `hypersweep cancel ID` stops one",
      );
    }
    throw error;
  } finally {
    await workers.stop();
    await client.close();
    stop.release();
    closeSync(log.fd);
  }
}

function whereToLook(
  stack: ServiceStatus[],
  reports: string[],
  credentials: string,
  stateDirFlag: string,
): string {
  const url = (name: string, ui = false) => {
    const s = stack.find((x) => x.name === name);
    return (ui ? s?.uiUrl : s?.url) ?? "?";
  };
  return [
    "Where to look:",
    ...reports.map((file) => `  report          ${file}`),
    `  Temporal Web UI ${url("temporal", true)}`,
    `  MinIO console   ${url("minio", true)}  (login in ${credentials})`,
    `  Prometheus      ${url("prometheus")}`,
    "  Grafana         GRAFANA_TOKEN=… npx hypersweep dashboards push --grafana-url URL",
    `The stack keeps running; stop it with \`npx hypersweep${stateDirFlag} stack down\`.`,
  ].join("\n");
}

export async function demo(flags: DemoFlags, cmd: Command): Promise<void> {
  const t0 = Date.now();
  say("hypersweep demo: the four seed experiments on the local stack");
  say("[1/4] stack: installing what is missing, starting Temporal, MinIO and Prometheus");
  const steps = stepReporter(process.stderr);
  const stack = await stackUp(configFrom(cmd), { onProgress: steps.onProgress }).finally(steps.end);
  // Loaded again: `stack up` may just have generated MinIO's credentials.
  const config = configFrom(cmd);
  const store = new ArtifactStore(config.s3);
  const options: DemoOptions = {
    ...(flags.epochs ? { epochs: flags.epochs } : {}),
    ...(flags.seeds ? { seeds: flags.seeds } : {}),
    ...(flags.fresh ? { suffix: `fresh-${Date.now().toString(36)}` } : {}),
  };
  say("[2/4] data: validating and uploading the seed experiments' dataset");
  const experiments = await prepareExperiments(store, options);
  say("[3/4] training (finished trials of an earlier run are reused)");
  const results = await runSweeps(config, experiments, flags.workers);
  say("[4/4] reports");
  const files: string[] = [];
  for (const [i, e] of experiments.entries()) {
    const { file, summary } = await writeSweepReport(store, e.sweepId, join(flags.out, e.sweepId));
    const reused = results[i]?.reused ?? 0;
    process.stdout.write(
      `\n${leaderboardText(summary)}\n${reused ? `(${reused} trial(s) reused)\n` : ""}`,
    );
    files.push(file);
  }
  const globals = cmd.optsWithGlobals<{ stateDir?: string }>();
  const stateDirFlag = globals.stateDir ? ` --state-dir ${globals.stateDir}` : "";
  process.stdout.write(
    `\n${whereToLook(stack, files, join(config.stateDir, CREDENTIALS_FILE), stateDirFlag)}\n`,
  );
  say(`demo finished in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const bad = results.some((r) => r.counts.failed + r.counts.cancelled > 0);
  if (bad) process.exitCode = EXIT_FAILED;
}
