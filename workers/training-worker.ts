import { hostname } from "node:os";
import { Worker } from "@temporalio/worker";
import { DataCache } from "../activities/data-cache";
import { createTrainingActivities } from "../activities/train-trial";
import type { HypersweepConfig } from "../config";
import {
  createWorkerMetrics,
  type MetricsServer,
  registerScrapeTarget,
  startMetricsServer,
} from "../metrics";
import type { BackendPreference } from "../spec/types";
import { ArtifactStore } from "../storage/store";
import { initBackend } from "../training";
import { poolTaskQueue } from "../workflows/definitions";
import { metricsPortTakenError } from "./errors";
import { waitUntilAccepted, watchStore } from "./health";
import { detectDevice } from "./pool";
import { type Registration, registerWorker } from "./registry";
import { installRuntime } from "./runtime";
import { waitForDependencies } from "./startup";

export interface TrainingWorkerOptions {
  pool: string;
  /** Trials at once in this process (1 per process trains fastest: tfjs is single-threaded here). */
  concurrency: number;
  backend: BackendPreference;
  /** 0 = an ephemeral port (the real one is what gets registered). */
  metricsPort: number;
  /** The flag that set the port, for the message when it is taken. */
  metricsPortFlag?: string | undefined;
  metricsHost: string;
  workerId: string;
  connectTimeoutSeconds: number;
  /** Drain and return "recycled" after this many trials, or once resident memory passes this. */
  recycleAfterTrials?: number;
  recycleRssMb?: number;
}

export type TrainingWorkerEnd = "stopped" | "recycled";

async function serveMetrics(
  registry: Parameters<typeof startMetricsServer>[0]["registry"],
  options: TrainingWorkerOptions,
): Promise<MetricsServer> {
  try {
    return await startMetricsServer({
      registry,
      host: options.metricsHost,
      port: options.metricsPort,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    const flag = options.metricsPortFlag ?? "--metrics-port";
    throw metricsPortTakenError([options.metricsPort], options.metricsHost, flag);
  }
}

/** True once this process has done its share: trials counted, or memory past the bound. */
function recycleDue(options: TrainingWorkerOptions, trials: number): boolean {
  if (options.recycleAfterTrials !== undefined && trials >= options.recycleAfterTrials) return true;
  return (
    options.recycleRssMb !== undefined && process.memoryUsage.rss() > options.recycleRssMb * 2 ** 20
  );
}

/**
 * One training process: serves `/metrics` (a taken port fails at once), waits for Temporal and
 * S3 with back-off and checks them, registers itself for Prometheus, polls `hypersweep-<pool>`,
 * and shuts down gracefully (running trials checkpoint and hand over to a retry). When a recycle
 * bound is reached it stops polling, lets its running trials finish, and returns "recycled".
 */
export async function runTrainingWorker(
  config: HypersweepConfig,
  options: TrainingWorkerOptions,
  stop: AbortSignal,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<TrainingWorkerEnd> {
  const backend = await initBackend(options.backend);
  const metrics = createWorkerMetrics({ pool: options.pool, worker: options.workerId });
  metrics.setBackend(backend);
  const server = await serveMetrics(metrics.registry, options).catch((error: unknown) => {
    metrics.stop();
    throw error;
  });
  let target: Awaited<ReturnType<typeof registerScrapeTarget>> | undefined;
  let registration: Registration | undefined;
  try {
    installRuntime();
    const connection = await waitForDependencies(config, {
      timeoutSeconds: options.connectTimeoutSeconds,
      stop,
      log,
      who: `training process ${options.workerId}`,
    });
    if (!connection) return "stopped";
    const host = options.metricsHost === "0.0.0.0" ? hostname() : options.metricsHost;
    target = await registerScrapeTarget({
      sdDir: config.prometheus.sdDir,
      workerId: options.workerId,
      host,
      port: server.port,
      labels: { pool: options.pool, worker: options.workerId },
    });
    registration = await register(config, options, backend, { host, port: server.port });
    const who = `training process ${options.workerId}`;
    try {
      for (;;) {
        const end = await poll(config, options, { connection, metrics, backend }, stop, log);
        if (end !== "refused") return end;
        // Keys revoked or bucket gone since the start: take no trial until S3 accepts us again.
        const accepted = await waitUntilAccepted(config.s3, stop, (code, seconds) =>
          log(`${who}: S3 still refuses (${code}) after ${seconds} s; taking no trials`),
        );
        if (!accepted) return "stopped";
        log(`${who}: S3 accepts the keys and bucket again; polling`);
      }
    } finally {
      await connection.close();
    }
  } finally {
    await registration?.unregister();
    await target?.unregister();
    await server.close();
    metrics.stop();
  }
}

/** The bucket's worker registry: how Prometheus and `hypersweep workers` on any machine find it. */
function register(
  config: HypersweepConfig,
  options: TrainingWorkerOptions,
  backend: string,
  at: { host: string; port: number },
): Promise<Registration> {
  const { device, gpus } = detectDevice(options.backend, process.env);
  const host = at.host.includes(":") ? `[${at.host}]` : at.host;
  return registerWorker(new ArtifactStore(config.s3), {
    workerId: options.workerId,
    pool: options.pool,
    backend,
    devices: device === "gpu" ? gpus : ["cpu"],
    slots: options.concurrency,
    metricsUrl: `http://${host}:${at.port}/metrics`,
  });
}

async function poll(
  config: HypersweepConfig,
  options: TrainingWorkerOptions,
  deps: {
    connection: NonNullable<Awaited<ReturnType<typeof waitForDependencies>>>;
    metrics: ReturnType<typeof createWorkerMetrics>;
    backend: Awaited<ReturnType<typeof initBackend>>;
  },
  stop: AbortSignal,
  log: (line: string) => void,
): Promise<TrainingWorkerEnd | "refused"> {
  const { metrics } = deps;
  const shutdown = new AbortController();
  const activities = createTrainingActivities({
    store: new ArtifactStore(config.s3),
    metrics,
    backend: deps.backend,
    data: new DataCache(),
    code: new DataCache(),
    shutdown: shutdown.signal,
    cacheDir: config.cacheDir,
    ...(config.s3.outageBudgetSeconds
      ? { outageBudgetSeconds: config.s3.outageBudgetSeconds }
      : {}),
  });
  let busy = 0;
  let trials = 0;
  let end: TrainingWorkerEnd | "refused" = "stopped";
  metrics.setSlots(busy, options.concurrency);
  const worker = await Worker.create({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: poolTaskQueue(options.pool),
    identity: options.workerId,
    maxConcurrentActivityTaskExecutions: options.concurrency,
    shutdownGraceTime: "2 minutes",
    // Frequent heartbeats: progress in `status` is fresh and cancellation arrives within seconds.
    maxHeartbeatThrottleInterval: "1 second",
    activities: {
      trainTrial: (input: Parameters<typeof activities.trainTrial>[0]) =>
        slot(() => activities.trainTrial(input)),
      trainTrials: (input: Parameters<typeof activities.trainTrials>[0]) =>
        slot(() => activities.trainTrials(input), input.trials.length),
    },
  });
  // A worker whose S3 keys or bucket stop working takes no more trials (each would fail an
  // attempt): it drains and waits for S3 to accept it again.
  const health = watchStore(config.s3, config.s3.healthCheckSeconds ?? 30, (code) => {
    log(
      `training process ${options.workerId}: S3 at ${config.s3.endpoint} refuses this worker (${code}) for bucket "${config.s3.bucket}"; taking no new trials until it accepts again (check HYPERSWEEP_S3_ACCESS_KEY / HYPERSWEEP_S3_SECRET_KEY / HYPERSWEEP_BUCKET)`,
    );
    if (worker.getState() === "RUNNING" && !stop.aborted) {
      end = "refused";
      worker.shutdown();
    }
  });
  /** One training activity (a trial or a pack) in a slot; recycling counts the trials. */
  async function slot<T>(run: () => Promise<T>, trialCount = 1): Promise<T> {
    metrics.setSlots(++busy, options.concurrency);
    try {
      return await run();
    } catch (error) {
      health.check();
      throw error;
    } finally {
      metrics.setSlots(--busy, options.concurrency);
      trials += trialCount;
      // Recycling drains: no new task is polled, the running ones finish undisturbed.
      if (recycleDue(options, trials) && worker.getState() === "RUNNING") {
        end = "recycled";
        worker.shutdown();
      }
    }
  }
  const onStop = () => {
    shutdown.abort();
    // The runtime itself starts a shutdown on SIGINT/SIGTERM; a second shutdown() throws.
    if (worker.getState() === "RUNNING") worker.shutdown();
  };
  if (stop.aborted) onStop();
  else stop.addEventListener("abort", onStop, { once: true });
  try {
    await worker.run();
  } finally {
    health.stop();
    stop.removeEventListener("abort", onStop);
  }
  return stop.aborted ? "stopped" : end;
}
