import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { takenPorts } from "../metrics";
import { EXIT_FATAL, EXIT_RECYCLE, isChildMessage } from "./child-protocol";
import { metricsPortTakenError, WorkerStartError } from "./errors";
import { childArgv, metricsPortFor, type PoolOptions, type SlotPlan } from "./pool";

const FIRST_RESTART_MS = 2000;
const MAX_RESTART_MS = 30_000;
/** A child that ran this long was healthy: its next crash restarts after the first delay again. */
const HEALTHY_MS = 60_000;
/** How long after a child's exit its IPC channel may take to deliver its last message. */
const CLOSE_WAIT_MS = 1000;

export interface SuperviseOptions {
  env: NodeJS.ProcessEnv;
  stop: AbortSignal;
  log: (line: string) => void;
  /** Where the children's stdout and stderr go (a file descriptor); default this process's. */
  output?: number;
}

/**
 * Runs one training child per planned slot over an IPC channel (so children die with this
 * process), restarts a crashed one with back-off, restarts a recycled one at once, forwards stop
 * to all, and resolves once every child has exited. A child's fatal stop stops them all and
 * rejects with its message: a taken port or a wrong secret fails the worker, never loops.
 */
export async function superviseTrainingProcesses(
  options: PoolOptions,
  plan: SlotPlan,
  { env, stop, log, output }: SuperviseOptions,
): Promise<void> {
  await checkMetricsPorts(options, plan);
  const children = new Set<ChildProcess>();
  const halt = new AbortController();
  let fatal: string | undefined;
  const stopAll = () => {
    halt.abort();
    for (const c of children) c.kill("SIGTERM");
  };
  const run = async (slot: SlotPlan["processes"][number]): Promise<void> => {
    let delay = FIRST_RESTART_MS;
    while (!halt.signal.aborted) {
      const started = Date.now();
      const { code, signal, message } = await runChild(slot, options, env, children, output);
      if (halt.signal.aborted) return;
      if (code === EXIT_FATAL) {
        fatal ??= message ?? `training process ${slot.index} could not start`;
        return stopAll();
      }
      if (code === EXIT_RECYCLE) {
        log(`training process ${slot.index} recycled; starting a fresh one`);
        continue;
      }
      if (Date.now() - started > HEALTHY_MS) delay = FIRST_RESTART_MS;
      log(`training process ${slot.index} exited (${signal ?? code}); restarting in ${delay} ms`);
      await sleep(delay, undefined, { signal: halt.signal }).catch(() => undefined);
      delay = Math.min(delay * 2, MAX_RESTART_MS);
    }
  };
  stop.addEventListener("abort", stopAll, { once: true });
  if (stop.aborted) stopAll();
  await Promise.all(plan.processes.map(run));
  if (fatal !== undefined) throw new WorkerStartError(fatal);
}

/**
 * Fails at once, in this process, when any of the pool's consecutive /metrics ports is taken:
 * the children would each find one, and whichever lost the race would name its own port.
 */
async function checkMetricsPorts(options: PoolOptions, plan: SlotPlan): Promise<void> {
  if (!options.metricsPort) return;
  const ports = plan.processes.map((slot) => metricsPortFor(options, slot.index));
  const taken = await takenPorts(ports, options.metricsHost);
  if (taken.length > 0)
    throw metricsPortTakenError(
      taken,
      options.metricsHost,
      `--metrics-port ${options.metricsPort}`,
    );
}

function runChild(
  slot: SlotPlan["processes"][number],
  options: PoolOptions,
  env: NodeJS.ProcessEnv,
  children: Set<ChildProcess>,
  output: number | "inherit" = "inherit",
): Promise<{ code: number | null; signal: NodeJS.Signals | null; message?: string }> {
  const childEnv = {
    ...env,
    ...(slot.gpu === undefined ? {} : { CUDA_VISIBLE_DEVICES: slot.gpu }),
  };
  const child = spawn(process.execPath, childArgv(options, slot.index), {
    env: childEnv,
    stdio: ["inherit", output, output, "ipc"],
  });
  children.add(child);
  let message: string | undefined;
  child.on("message", (m: unknown) => {
    if (isChildMessage(m)) message = m.message;
  });
  return new Promise((resolve) => {
    // After "exit", wait briefly for "close" (the IPC channel drained), so a fatal message sent
    // just before exiting is never lost, yet a channel held open elsewhere cannot stall us.
    child.once("exit", (code, signal) => {
      const done = () => {
        clearTimeout(timer);
        children.delete(child);
        resolve({ code, signal, ...(message === undefined ? {} : { message }) });
      };
      const timer = setTimeout(done, CLOSE_WAIT_MS);
      if (child.connected) child.once("disconnect", done);
      else done();
    });
  });
}
