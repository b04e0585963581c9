import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { BackendPreference } from "../../spec/types";
import { planSlots, superviseChildren, visibleGpus } from "../../workers/launcher";
import { runSweepWorker } from "../../workers/sweep-worker";
import { runTrainingWorker } from "../../workers/training-worker";
import { configFrom } from "../context";

const BACKENDS: BackendPreference[] = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"];
const BIN = fileURLToPath(new URL("../../bin/hypersweep.js", import.meta.url));

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
  childIndex?: number;
  workerId?: string;
}

/** Stops on SIGTERM/SIGINT: stop polling, finish the running epoch, checkpoint, exit. */
function stopSignal(): AbortSignal {
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
  return controller.signal;
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
      "trials at once (cpu: one process each, default = cores; gpu: default = visible GPUs)",
      positiveInt("--concurrency"),
    )
    .addOption(new Option("--backend <name>", "training backend").choices(BACKENDS).default("auto"))
    .option(
      "--metrics-port <port>",
      "first /metrics port (process i uses port+i; 0 = any free port)",
      portNumber,
    )
    .option("--metrics-host <host>", "bind address for /metrics", "127.0.0.1")
    .option(
      "--slots-per-process <n>",
      "trials at once inside each training process (for tiny, I/O-bound trials)",
      positiveInt("--slots-per-process"),
      1,
    )
    .option("--no-sweeps", "do not run sweep workflows in this process (training only)")
    .option("--no-training", "run sweep workflows only")
    .addOption(new Option("--child-index <i>").hideHelp().argParser(Number))
    .addOption(new Option("--worker-id <id>").hideHelp())
    .action(async (flags: WorkerFlags, cmd: Command) => {
      const config = configFrom(cmd);
      const stop = stopSignal();
      const baseId =
        flags.workerId ?? `${hostname()}-${flags.pool}-${randomBytes(3).toString("hex")}`;
      const metricsPortFor = (i: number) =>
        flags.metricsPort === undefined ? 0 : flags.metricsPort === 0 ? 0 : flags.metricsPort + i;
      const trainingOptions = (i: number) => ({
        pool: flags.pool,
        concurrency: flags.slotsPerProcess,
        backend: flags.backend,
        metricsPort: metricsPortFor(i),
        metricsHost: flags.metricsHost,
        workerId: `${baseId}-${i}`,
      });
      if (flags.childIndex !== undefined) {
        await runTrainingWorker(config, trainingOptions(flags.childIndex), stop);
        return;
      }
      const gpuPool = flags.pool.startsWith("gpu") || flags.backend === "tensorflow-gpu";
      const plan = planSlots(gpuPool, flags.concurrency, gpuPool ? visibleGpus(process.env) : []);
      const tasks: Promise<void>[] = [];
      if (flags.sweeps) tasks.push(runSweepWorker(config, stop));
      if (flags.training && plan.processes.length === 1) {
        tasks.push(runTrainingWorker(config, trainingOptions(0), stop));
      } else if (flags.training) {
        const passthrough = process.argv.slice(2).filter((a) => a !== "worker");
        const argsFor = (i: number) => [
          BIN,
          "worker",
          ...passthrough,
          "--no-sweeps",
          "--child-index",
          String(i),
          "--worker-id",
          baseId,
        ];
        tasks.push(
          superviseChildren(plan, argsFor, process.env, stop, (l) =>
            process.stderr.write(`${l}\n`),
          ),
        );
      }
      process.stderr.write(
        `hypersweep worker ${baseId}: pool ${flags.pool}, ${flags.training ? plan.processes.length : 0} training process(es)${flags.sweeps ? ", sweep orchestration" : ""}\n`,
      );
      await Promise.all(tasks);
    });
}
