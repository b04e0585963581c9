import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerWorkerCommand } from "../../../cli/commands/worker";
import {
  BIN,
  childArgv,
  deviceFor,
  type PoolOptions,
  planSlots,
  trainingOptionsFor,
  visibleGpus,
} from "../../../workers/pool";

const OPTIONS: PoolOptions = {
  pool: "worker",
  backend: "wasm",
  concurrency: 3,
  slotsPerProcess: 2,
  metricsPort: 9464,
  metricsHost: "127.0.0.1",
  workerId: "host-worker-abc",
  stateDir: "/tmp/state",
  connectTimeoutSeconds: 30,
};

/** Parses argv with the real `worker` command and returns the flags its action would get. */
function parseWorkerArgv(argv: string[]): Record<string, unknown> {
  const program = new Command("hypersweep").option("--state-dir <dir>").exitOverride();
  registerWorkerCommand(program);
  let seen: Record<string, unknown> = {};
  const worker = program.commands.find((c) => c.name() === "worker");
  worker?.action((flags: Record<string, unknown>) => {
    seen = { ...flags, stateDir: program.opts().stateDir };
  });
  program.parse(argv, { from: "user" });
  return seen;
}

describe("worker slot planning", () => {
  it("runs one CPU training process per slot", () => {
    expect(planSlots("cpu", 3, []).processes).toEqual([{ index: 0 }, { index: 1 }, { index: 2 }]);
    expect(planSlots("cpu", undefined, []).processes.length).toBeGreaterThanOrEqual(1);
  });

  it("pins one process per visible GPU by default", () => {
    expect(planSlots("gpu", undefined, ["2", "5"]).processes).toEqual([
      { index: 0, gpu: "2" },
      { index: 1, gpu: "5" },
    ]);
    // More slots than GPUs share the devices round-robin.
    expect(planSlots("gpu", 3, ["0", "1"]).processes.map((p) => p.gpu)).toEqual(["0", "1", "0"]);
    expect(planSlots("gpu", undefined, []).processes).toEqual([{ index: 0, gpu: "0" }]);
  });

  it("reads CUDA_VISIBLE_DEVICES, ignoring the 'no GPU' marker", () => {
    expect(visibleGpus({ CUDA_VISIBLE_DEVICES: "0, 3" })).toEqual(["0", "3"]);
    expect(visibleGpus({ CUDA_VISIBLE_DEVICES: "-1" })).toEqual([]);
  });
});

describe("device detection follows the backend, not the pool's name", () => {
  const gpuMachine = { gpuRuntimeInstalled: true, gpus: ["0"] };
  it("tensorflow-gpu is a GPU; cpu, wasm and tensorflow never are", () => {
    expect(deviceFor("tensorflow-gpu", { gpuRuntimeInstalled: false, gpus: [] })).toBe("gpu");
    for (const backend of ["cpu", "wasm", "tensorflow"] as const) {
      expect(deviceFor(backend, gpuMachine)).toBe("cpu");
    }
  });
  it("auto is a GPU only where the GPU build is installed and a GPU is visible", () => {
    expect(deviceFor("auto", gpuMachine)).toBe("gpu");
    expect(deviceFor("auto", { gpuRuntimeInstalled: false, gpus: ["0"] })).toBe("cpu");
    expect(deviceFor("auto", { gpuRuntimeInstalled: true, gpus: [] })).toBe("cpu");
  });
});

describe("the training child's argv, built in one place", () => {
  it("keeps the value of --pool worker and every pool setting", () => {
    const argv = childArgv(OPTIONS, 1);
    expect(argv[0]).toBe(BIN);
    const flags = parseWorkerArgv(argv.slice(1));
    expect(flags).toMatchObject({
      stateDir: "/tmp/state",
      pool: "worker",
      backend: "wasm",
      slotsPerProcess: 2,
      metricsPort: 9464,
      metricsHost: "127.0.0.1",
      workerId: "host-worker-abc",
      connectTimeout: 30,
      sweeps: false,
      childIndex: 1,
    });
  });

  it("passes recycling bounds on, and gives child i port+i and its own id", () => {
    const recycling = { ...OPTIONS, recycleAfterTrials: 500, recycleRssMb: 900 };
    const flags = parseWorkerArgv(childArgv(recycling, 0).slice(1));
    expect(flags).toMatchObject({ recycleAfterTrials: 500, recycleRssMb: 900 });
    expect(trainingOptionsFor(OPTIONS, 2)).toMatchObject({
      pool: "worker",
      concurrency: 2,
      metricsPort: 9466,
      workerId: "host-worker-abc-2",
    });
    const { metricsPort: _, ...free } = OPTIONS;
    expect(trainingOptionsFor(free, 2).metricsPort).toBe(0);
    expect(trainingOptionsFor({ ...OPTIONS, metricsPort: 0 }, 2).metricsPort).toBe(0);
  });
});
