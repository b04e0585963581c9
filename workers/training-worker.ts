import { hostname } from "node:os";
import { Worker } from "@temporalio/worker";
import { DataCache } from "../activities/data-cache";
import { createTrainingActivities } from "../activities/train-trial";
import type { HypersweepConfig } from "../config";
import { createWorkerMetrics, registerScrapeTarget, startMetricsServer } from "../metrics";
import type { BackendPreference } from "../spec/types";
import { ArtifactStore } from "../storage/store";
import { initBackend } from "../training";
import { poolTaskQueue } from "../workflows/definitions";
import { connectWorker } from "./connection";
import { installRuntime } from "./runtime";

export interface TrainingWorkerOptions {
  pool: string;
  /** Trials at once in this process (1 per process trains fastest: tfjs is single-threaded here). */
  concurrency: number;
  backend: BackendPreference;
  /** 0 = an ephemeral port; undefined = no metrics server. */
  metricsPort?: number;
  metricsHost: string;
  workerId: string;
}

/**
 * One training process: polls `hypersweep-<pool>`, serves `/metrics`, registers itself for
 * Prometheus, and shuts down gracefully (running trials checkpoint and hand over to a retry).
 */
export async function runTrainingWorker(
  config: HypersweepConfig,
  options: TrainingWorkerOptions,
  stop: AbortSignal,
): Promise<void> {
  const backend = await initBackend(options.backend);
  const store = new ArtifactStore(config.s3);
  const metrics = createWorkerMetrics({ pool: options.pool, worker: options.workerId });
  metrics.setBackend(backend);
  let busy = 0;
  metrics.setSlots(busy, options.concurrency);
  const server =
    options.metricsPort === undefined
      ? undefined
      : await startMetricsServer({
          registry: metrics.registry,
          host: options.metricsHost,
          port: options.metricsPort,
        });
  const target = server
    ? await registerScrapeTarget({
        sdDir: config.prometheus.sdDir,
        workerId: options.workerId,
        host: options.metricsHost === "0.0.0.0" ? hostname() : options.metricsHost,
        port: server.port,
        labels: { pool: options.pool, worker: options.workerId },
      })
    : undefined;
  const shutdown = new AbortController();
  const activities = createTrainingActivities({
    store,
    metrics,
    backend,
    data: new DataCache(),
    shutdown: shutdown.signal,
  });
  installRuntime();
  const connection = await connectWorker(config.temporal);
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: poolTaskQueue(options.pool),
      identity: options.workerId,
      maxConcurrentActivityTaskExecutions: options.concurrency,
      shutdownGraceTime: "2 minutes",
      // Frequent heartbeats: progress in `status` is fresh and cancellation arrives within seconds.
      maxHeartbeatThrottleInterval: "1 second",
      activities: {
        trainTrial: async (input: Parameters<typeof activities.trainTrial>[0]) => {
          metrics.setSlots(++busy, options.concurrency);
          try {
            return await activities.trainTrial(input);
          } finally {
            metrics.setSlots(--busy, options.concurrency);
          }
        },
      },
    });
    const onStop = () => {
      shutdown.abort();
      // The runtime itself starts a shutdown on SIGINT/SIGTERM; a second shutdown() throws.
      if (worker.getState() === "RUNNING") worker.shutdown();
    };
    if (stop.aborted) onStop();
    else stop.addEventListener("abort", onStop, { once: true });
    await worker.run();
  } finally {
    await connection.close();
    await target?.unregister();
    await server?.close();
    metrics.stop();
  }
}
