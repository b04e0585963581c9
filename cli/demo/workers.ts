import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import type { HypersweepConfig } from "../../config";
import { planSlots, superviseChildren } from "../../workers/launcher";
import { runSweepWorker } from "../../workers/sweep-worker";

const BIN = fileURLToPath(new URL("../../bin/hypersweep.js", import.meta.url));

export interface DemoWorkers {
  /** Training processes started. */
  processes: number;
  /** Settles when the workers end on their own (rejects with the orchestration worker's error). */
  exited: Promise<void>;
  /** Stops every worker this demo started and waits for them to exit (idempotent). */
  stop(): Promise<void>;
}

/**
 * Orchestration in this process, training as `hypersweep worker --no-sweeps` children (one
 * per slot: tfjs trains on one thread, so processes use the cores), restarted if they die.
 * Children get this process's environment plus `--state-dir`, so they load the same config.
 */
export function startDemoWorkers(
  config: HypersweepConfig,
  opts: { pool: string; processes?: number; log: (line: string) => void },
): DemoWorkers {
  const stop = new AbortController();
  const baseId = `${hostname()}-demo-${randomBytes(3).toString("hex")}`;
  const plan = planSlots(false, opts.processes, []);
  const argsFor = (i: number) => [
    BIN,
    "--state-dir",
    config.stateDir,
    "worker",
    "--pool",
    opts.pool,
    "--no-sweeps",
    "--metrics-port",
    "0",
    "--child-index",
    String(i),
    "--worker-id",
    baseId,
  ];
  const running = Promise.all([
    runSweepWorker(config, stop.signal),
    superviseChildren(plan, argsFor, process.env, stop.signal, opts.log),
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
