import { type Command, InvalidArgumentError, Option } from "commander";
import type { BackendPreference } from "../../spec/types";
import { DEFAULT_CONNECT_TIMEOUT_SECONDS } from "../../workers/defaults";
import type { WorkerFlags } from "../actions/worker";

// Loaded when the command runs, so `--help` stays fast.
const actions = () => import("../actions/worker");

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
    .action(async (flags: WorkerFlags, cmd: Command) =>
      (await actions()).workerCommand(flags, cmd),
    );
}
