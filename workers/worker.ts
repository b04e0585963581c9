import type { HypersweepConfig } from "../config";
import { EXIT_RECYCLE, exitFatal, ORPHAN_GRACE_MS, watchParent } from "./child-protocol";
import { WorkerStartError } from "./errors";
import { detectDevice, type PoolOptions, planSlots, trainingOptionsFor } from "./pool";
import { superviseTrainingProcesses } from "./supervisor";
import { runSweepWorker } from "./sweep-worker";
import { runTrainingWorker } from "./training-worker";

export interface WorkerRoles {
  /** Run sweep workflows in this process. */
  sweeps: boolean;
  /** Run the pool's training processes. */
  training: boolean;
}

const stderrLog = (line: string) => process.stderr.write(`${line}\n`);

/**
 * A whole worker: sweep orchestration in this process and the pool's training processes (one
 * in this process when the plan has one and no recycling, else children under a supervisor).
 * Settles when all stop; rejects when any cannot start.
 */
export async function runWorker(
  config: HypersweepConfig,
  options: PoolOptions,
  roles: WorkerRoles,
  stop: AbortSignal,
  log: (line: string) => void = stderrLog,
): Promise<void> {
  const { device, gpus } = detectDevice(options.backend, process.env);
  const plan = planSlots(device, options.concurrency, gpus);
  const recycles = options.recycleAfterTrials !== undefined || options.recycleRssMb !== undefined;
  const failed = new AbortController();
  const either = AbortSignal.any([stop, failed.signal]);
  const tasks: Promise<unknown>[] = [];
  if (roles.sweeps) {
    const timeout = options.connectTimeoutSeconds;
    tasks.push(runSweepWorker(config, either, { connectTimeoutSeconds: timeout, log }));
  }
  if (roles.training && plan.processes.length === 1 && !recycles) {
    tasks.push(runTrainingWorker(config, trainingOptionsFor(options, 0), either, log));
  } else if (roles.training) {
    tasks.push(superviseTrainingProcesses(options, plan, { env: process.env, stop: either, log }));
  }
  const processes = roles.training ? plan.processes.length : 0;
  log(
    `hypersweep worker ${options.workerId}: pool ${options.pool}, ${processes} training process(es) on ${device}${roles.sweeps ? ", sweep orchestration" : ""}`,
  );
  // One part failing takes the others down, so a worker never half-runs.
  await Promise.all(
    tasks.map((t) =>
      t.catch((error: unknown) => {
        failed.abort();
        throw error;
      }),
    ),
  );
}

/**
 * Training child `index` of a worker: trains until stopped, exits when its parent is gone (after
 * a short grace to checkpoint), and tells its parent how it ended through the exit code.
 */
export async function runTrainingChild(
  config: HypersweepConfig,
  options: PoolOptions,
  index: number,
  stop: AbortController,
): Promise<void> {
  watchParent(() => {
    stderrLog(`training process ${options.workerId}-${index}: worker process gone; stopping`);
    stop.abort();
    setTimeout(() => process.exit(1), ORPHAN_GRACE_MS).unref();
  });
  try {
    const end = await runTrainingWorker(config, trainingOptionsFor(options, index), stop.signal);
    if (end === "recycled") process.exit(EXIT_RECYCLE);
  } catch (error) {
    if (error instanceof WorkerStartError) await exitFatal(error.message);
    throw error;
  }
}
