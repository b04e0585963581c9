import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Command } from "commander";
import type { BackendPreference } from "../../spec/types";
import type { PoolOptions } from "../../workers/pool";
import { runTrainingChild, runWorker } from "../../workers/worker";
import { configFrom } from "../context";

export interface WorkerFlags {
  pool: string;
  concurrency?: number;
  backend: BackendPreference;
  metricsPort?: number;
  metricsHost: string;
  sweeps: boolean;
  training: boolean;
  slotsPerProcess: number;
  connectTimeout: number;
  recycleAfterTrials?: number;
  recycleRssMb?: number;
  childIndex?: number;
  workerId?: string;
}

/** Stops on SIGTERM/SIGINT: stop polling, finish the running epoch, checkpoint, exit. */
function stopSignal(): AbortController {
  const controller = new AbortController();
  const onSignal = (name: string) => {
    if (controller.signal.aborted) return;
    process.stderr.write(
      `hypersweep worker: ${name} received, finishing the running epoch and checkpointing…\n`,
    );
    controller.abort();
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
  return controller;
}

function poolOptions(flags: WorkerFlags, stateDir: string): PoolOptions {
  return {
    pool: flags.pool,
    backend: flags.backend,
    ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
    slotsPerProcess: flags.slotsPerProcess,
    ...(flags.metricsPort === undefined ? {} : { metricsPort: flags.metricsPort }),
    metricsHost: flags.metricsHost,
    workerId: flags.workerId ?? `${hostname()}-${flags.pool}-${randomBytes(3).toString("hex")}`,
    stateDir,
    connectTimeoutSeconds: flags.connectTimeout,
    ...(flags.recycleAfterTrials ? { recycleAfterTrials: flags.recycleAfterTrials } : {}),
    ...(flags.recycleRssMb ? { recycleRssMb: flags.recycleRssMb } : {}),
  };
}

/** `worker`: a training child (hidden `--child-index`) or a whole worker. */
export async function workerCommand(flags: WorkerFlags, cmd: Command) {
  const config = configFrom(cmd);
  const stop = stopSignal();
  const options = poolOptions(flags, config.stateDir);
  if (flags.childIndex !== undefined) {
    await runTrainingChild(config, options, flags.childIndex, stop);
    return;
  }
  await runWorker(config, options, flags, stop.signal);
}
