import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { HypersweepConfig } from "../../config";
import { planSlots } from "../../workers/pool";
import { DEFAULT_CONNECT_TIMEOUT_SECONDS } from "../../workers/startup";
import { superviseTrainingProcesses } from "../../workers/supervisor";
import { runSweepWorker } from "../../workers/sweep-worker";

export interface DemoWorkers {
  /** Training processes started. */
  processes: number;
  /** Settles when the workers end on their own (rejects with the orchestration worker's error). */
  exited: Promise<void>;
  /** Stops every worker this demo started and waits for them to exit (idempotent). */
  stop(): Promise<void>;
}

/**
 * Orchestration in this process, training as the pool's children (one per core: tfjs trains on
 * one thread, so processes use the cores), restarted if they die. Children get this process's
 * environment plus `--state-dir`, so they load the same config.
 */
export function startDemoWorkers(
  config: HypersweepConfig,
  opts: { pool: string; processes?: number; log: (line: string) => void; output?: number },
): DemoWorkers {
  const stop = new AbortController();
  const pool = {
    pool: opts.pool,
    backend: "auto" as const,
    slotsPerProcess: 1,
    metricsHost: "127.0.0.1",
    workerId: `${hostname()}-demo-${randomBytes(3).toString("hex")}`,
    stateDir: config.stateDir,
    connectTimeoutSeconds: DEFAULT_CONNECT_TIMEOUT_SECONDS,
  };
  const plan = planSlots("cpu", opts.processes, []);
  const running = Promise.all([
    runSweepWorker(config, stop.signal, { log: opts.log }),
    superviseTrainingProcesses(pool, plan, {
      env: process.env,
      stop: stop.signal,
      log: opts.log,
      ...(opts.output === undefined ? {} : { output: opts.output }),
    }),
  ]).then(() => undefined);
  running.catch(() => stop.abort()); // one failing takes the others down; `exited` reports it
  return {
    processes: plan.processes.length,
    exited: running,
    stop: () => {
      stop.abort();
      return running.catch(() => undefined);
    },
  };
}
