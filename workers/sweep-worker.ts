import { createRequire } from "node:module";
import { Worker } from "@temporalio/worker";
import { createSweepActivities } from "../activities/sweep-bookkeeping";
import type { HypersweepConfig } from "../config";
import { ArtifactStore } from "../storage/store";
import { SWEEP_TASK_QUEUE } from "../workflows/definitions";
import { listLiveWorkers } from "./registry";
import { installRuntime } from "./runtime";
import { DEFAULT_CONNECT_TIMEOUT_SECONDS, waitForDependencies } from "./startup";

const require = createRequire(import.meta.url);

/** Where the workflow code lives; the worker bundles it for Temporal's sandbox. */
export const WORKFLOWS_PATH = require.resolve("../workflows/index.ts");

export interface SweepWorkerOptions {
  connectTimeoutSeconds?: number;
  log?: (line: string) => void;
}

/**
 * The orchestration process: runs sweep workflows and their light bookkeeping activities on
 * `hypersweep-sweeps`, so orchestration never waits behind training. Waits for Temporal and S3
 * with back-off first (see `waitForDependencies`).
 */
export async function runSweepWorker(
  config: HypersweepConfig,
  stop: AbortSignal,
  options: SweepWorkerOptions = {},
): Promise<void> {
  const store = new ArtifactStore(config.s3);
  installRuntime();
  const connection = await waitForDependencies(config, {
    timeoutSeconds: options.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS,
    stop,
    log: options.log ?? ((l) => process.stderr.write(`${l}\n`)),
    who: "sweep orchestration",
  });
  if (!connection) return;
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: SWEEP_TASK_QUEUE,
      workflowsPath: WORKFLOWS_PATH,
      activities: createSweepActivities({ store, liveWorkers: () => listLiveWorkers(store) }),
    });
    // The runtime itself starts a shutdown on SIGINT/SIGTERM; a second shutdown() throws.
    const onStop = () => {
      if (worker.getState() === "RUNNING") worker.shutdown();
    };
    if (stop.aborted) onStop();
    else stop.addEventListener("abort", onStop, { once: true });
    await worker.run();
  } finally {
    await connection.close();
  }
}
