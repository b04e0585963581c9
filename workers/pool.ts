import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { BackendPreference } from "../spec/types";
import { readManifest } from "../training/native/layout";
import type { TrainingWorkerOptions } from "./training-worker";

/** The `hypersweep` executable every worker process runs. */
export const BIN = fileURLToPath(new URL("../bin/hypersweep.js", import.meta.url));

/** One pool's settings, as the `worker` command takes them; the one source of every argv. */
export interface PoolOptions {
  pool: string;
  backend: BackendPreference;
  /** Training processes (cpu: default = cores; gpu: default = visible GPUs). */
  concurrency?: number;
  /** Trials at once inside each training process. */
  slotsPerProcess: number;
  /** First /metrics port: process i uses port+i; 0 or undefined = any free port. */
  metricsPort?: number;
  metricsHost: string;
  /** The worker's id; training process i is `<workerId>-<i>`. */
  workerId: string;
  /** Passed as the global `--state-dir`, so every process loads the same config. */
  stateDir?: string;
  /** Give up waiting for Temporal / S3 after this long (exit non-zero for a supervisor). */
  connectTimeoutSeconds: number;
  /** Recycle a training process after this many trials / this resident size (MB). */
  recycleAfterTrials?: number;
  recycleRssMb?: number;
}

export type Device = "cpu" | "gpu";

/** GPU ids visible to this machine: CUDA_VISIBLE_DEVICES if set, else `nvidia-smi -L`. */
export function visibleGpus(env: NodeJS.ProcessEnv): string[] {
  const listed = env.CUDA_VISIBLE_DEVICES?.trim();
  if (listed)
    return listed
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "" && s !== "-1");
  try {
    const out = execFileSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 5000 });
    return out
      .split("\n")
      .filter((l) => l.startsWith("GPU "))
      .map((_, i) => String(i));
  } catch {
    return [];
  }
}

/**
 * The device a backend trains on. `tensorflow-gpu` is a GPU; `auto` is one only where it would
 * load the GPU build (installed) and a GPU is visible; every other backend is a CPU. The pool's
 * name says nothing: a pool called `gpu-small` on the wasm backend runs one process per core.
 */
export function deviceFor(
  backend: BackendPreference,
  probe: { gpuRuntimeInstalled: boolean; gpus: string[] },
): Device {
  if (backend === "tensorflow-gpu") return "gpu";
  return backend === "auto" && probe.gpuRuntimeInstalled && probe.gpus.length > 0 ? "gpu" : "cpu";
}

function gpuRuntimeInstalled(): boolean {
  if (readManifest("tensorflow-gpu")) return true; // `hypersweep backend install tensorflow-gpu`
  try {
    createRequire(import.meta.url).resolve("@tensorflow/tfjs-node-gpu");
    return true;
  } catch {
    return false;
  }
}

/** `deviceFor` with the machine's own probe; the GPU list is what `planSlots` pins. */
export function detectDevice(
  backend: BackendPreference,
  env: NodeJS.ProcessEnv,
): { device: Device; gpus: string[] } {
  if (backend !== "auto" && backend !== "tensorflow-gpu") return { device: "cpu", gpus: [] };
  const gpus = visibleGpus(env);
  const device = deviceFor(backend, { gpuRuntimeInstalled: gpuRuntimeInstalled(), gpus });
  return { device, gpus: device === "gpu" ? gpus : [] };
}

export interface SlotPlan {
  /** One entry per training process; `gpu` pins it with CUDA_VISIBLE_DEVICES. */
  processes: { index: number; gpu?: string }[];
}

/**
 * How many training processes to run. CPU: one process per slot (tfjs trains on one thread, so
 * processes, not in-process concurrency, use the cores); default = cores. GPU: one process per
 * visible GPU by default; more share the devices round-robin.
 */
export function planSlots(
  device: Device,
  concurrency: number | undefined,
  gpus: string[],
): SlotPlan {
  if (device === "gpu") {
    const devices = gpus.length > 0 ? gpus : ["0"];
    const n = concurrency ?? devices.length;
    const processes = Array.from({ length: n }, (_, i) => ({
      index: i,
      gpu: devices[i % devices.length] ?? "0",
    }));
    return { processes };
  }
  const n = concurrency ?? availableParallelism();
  return { processes: Array.from({ length: n }, (_, i) => ({ index: i })) };
}

/** The metrics port of training process `index`: consecutive from the first, or any free one. */
export function metricsPortFor(options: PoolOptions, index: number): number {
  return options.metricsPort ? options.metricsPort + index : 0;
}

/** What training process `index` runs with (in this process, or in a child). */
export function trainingOptionsFor(options: PoolOptions, index: number): TrainingWorkerOptions {
  return {
    pool: options.pool,
    concurrency: options.slotsPerProcess,
    backend: options.backend,
    metricsPort: metricsPortFor(options, index),
    metricsPortFlag: options.metricsPort ? `--metrics-port ${options.metricsPort}` : undefined,
    metricsHost: options.metricsHost,
    workerId: `${options.workerId}-${index}`,
    connectTimeoutSeconds: options.connectTimeoutSeconds,
    ...(options.recycleAfterTrials ? { recycleAfterTrials: options.recycleAfterTrials } : {}),
    ...(options.recycleRssMb ? { recycleRssMb: options.recycleRssMb } : {}),
  };
}

const optional = (flag: string, value: number | undefined) =>
  value === undefined ? [] : [flag, String(value)];

/** `hypersweep worker …` for these options: what a user, a test or a supervisor runs. */
export function workerArgv(options: PoolOptions, extra: string[] = []): string[] {
  return [
    BIN,
    ...(options.stateDir ? ["--state-dir", options.stateDir] : []),
    "worker",
    "--pool",
    options.pool,
    "--backend",
    options.backend,
    "--slots-per-process",
    String(options.slotsPerProcess),
    "--metrics-host",
    options.metricsHost,
    "--worker-id",
    options.workerId,
    "--connect-timeout",
    String(options.connectTimeoutSeconds),
    ...optional("--concurrency", options.concurrency),
    ...optional("--metrics-port", options.metricsPort),
    ...optional("--recycle-after-trials", options.recycleAfterTrials),
    ...optional("--recycle-rss-mb", options.recycleRssMb),
    ...extra,
  ];
}

/** The argv of training child `index`: the same worker, training only, one process. */
export function childArgv(options: PoolOptions, index: number): string[] {
  return workerArgv(options, ["--no-sweeps", "--child-index", String(index)]);
}
