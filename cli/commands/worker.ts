import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { BackendPreference } from "../../spec/types";
import type { PoolOptions } from "../../workers/pool";
import { DEFAULT_CONNECT_TIMEOUT_SECONDS } from "../../workers/startup";
import { runTrainingChild, runWorker } from "../../workers/worker";
import { configFrom } from "../context";

const BACKENDS: BackendPreference[] = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"];

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function portNumber(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("must be a port (0 = any free one)");
  return n;
}

interface WorkerFlags {
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

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("run a worker: sweep orchestration plus training processes for one pool")
    .requiredOption(
      "--pool <name>",
      "pool; training activities are polled on task queue hypersweep-<pool>",
    )
    .option(
      "--concurrency <n>",
      "training processes (cpu: default = cores; gpu backends: default = visible GPUs)",
      positiveInt("--concurrency"),
    )
    .addOption(new Option("--backend <name>", "training backend").choices(BACKENDS).default("auto"))
    .option(
      "--metrics-port <port>",
      "first /metrics port (process i uses port+i; 0 or unset = free ports, registered as bound)",
      portNumber,
    )
    .option("--metrics-host <host>", "bind address for /metrics", "127.0.0.1")
    .option(
      "--slots-per-process <n>",
      "trials at once inside each training process (for tiny, I/O-bound trials)",
      positiveInt("--slots-per-process"),
      1,
    )
    .addOption(
      new Option("--connect-timeout <seconds>", "wait this long for Temporal and S3, then exit 1")
        .env("HYPERSWEEP_CONNECT_TIMEOUT_SECONDS")
        .argParser(positiveInt("--connect-timeout"))
        .default(DEFAULT_CONNECT_TIMEOUT_SECONDS),
    )
    .option(
      "--recycle-after-trials <n>",
      "restart a training process after n trials (drained first: no trial is lost)",
      positiveInt("--recycle-after-trials"),
    )
    .option(
      "--recycle-rss-mb <mb>",
      "restart a training process once its resident memory passes mb (after its trial)",
      positiveInt("--recycle-rss-mb"),
    )
    .option("--no-sweeps", "do not run sweep workflows in this process (training only)")
    .option("--no-training", "run sweep workflows only")
    .addOption(new Option("--child-index <i>").hideHelp().argParser(Number))
    .addOption(new Option("--worker-id <id>").hideHelp())
    .action(async (flags: WorkerFlags, cmd: Command) => {
      const config = configFrom(cmd);
      const stop = stopSignal();
      const options = poolOptions(flags, config.stateDir);
      if (flags.childIndex !== undefined) {
        await runTrainingChild(config, options, flags.childIndex, stop);
        return;
      }
      await runWorker(config, options, flags, stop.signal);
    });
}
