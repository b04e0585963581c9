import { collectDefaultMetrics, Registry } from "prom-client";
import type { EpochRecord, TrialStatus } from "../spec/types";
import { defineMetrics, SPLITS } from "./definitions";

/** A trial's identity and hyper-parameters as label values (already formatted as strings). */
export interface TrialLabels {
  sweep: string;
  trial: string;
  optimizer: string;
  lr: string;
  momentum: string;
  seed: string;
  /** `classification` or `regression`: says whether a higher `metric` is better. */
  task: string;
  /** Hidden widths joined by `-` (`128-64`); `none` for a model without hidden layers. */
  hidden: string;
  activation: string;
  dropout: string;
  l2: string;
  epochs: string;
  batch_size: string;
  /** 8 hex of the trial's free params (`none` without): bounded, unlike the values themselves. */
  params_hash: string;
}

export interface WorkerMetricsOptions {
  pool: string;
  worker: string;
  /** Defaults to a fresh registry (not prom-client's global one). */
  registry?: Registry;
  /** How long a finished trial's series stay exported, so a scrape sees its final values. */
  graceMs?: number;
  /** Expire finished trials on a timer (unref'd; `stop()` clears it). Default true. */
  autoFlush?: boolean;
  /** Register Node's default process metrics. Default true. */
  processMetrics?: boolean;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
}

/** What an activity or a worker calls to report training progress. */
export interface WorkerMetrics {
  readonly registry: Registry;
  trialStarted(t: TrialLabels, attempt: number): void;
  epoch(t: TrialLabels, record: EpochRecord): void;
  checkpointWritten(t: TrialLabels): void;
  resumed(t: TrialLabels, fromEpoch: number): void;
  trialFinished(t: TrialLabels, status: TrialStatus, durationSeconds: number): void;
  /**
   * An attempt that ended by throwing (retried later, perhaps elsewhere, or recorded as failed
   * by the sweep): no longer running, series expire after the grace period, nothing counted.
   */
  attemptFailed(t: TrialLabels): void;
  setSlots(busy: number, total: number): void;
  setBackend(name: string): void;
  /** Removes the series of trials finished more than the grace period before `now` (ms). */
  flushExpired(now?: number): number;
  /** Number of trials whose per-trial series are exported. */
  trialSeriesCount(): number;
  /** Stops the expiry timer. Pending series stay until `flushExpired`. */
  stop(): void;
}

/** Default grace: a few scrape intervals of a default 15 s Prometheus. */
export const DEFAULT_GRACE_MS = 120_000;

/**
 * prom-client's `nodejs_active_*_total` are gauges with a counter's suffix (promtool rejects
 * them) and only sum the by-type `nodejs_active_*` gauges, which stay.
 */
const MISNAMED_DEFAULTS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

function addProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
}

const TRIAL_STATUSES: readonly TrialStatus[] = ["completed", "diverged", "failed", "cancelled"];

const keyOf = (t: TrialLabels) => `${t.sweep}\u0000${t.trial}`;

/**
 * Creates the metrics of one worker process. Per-trial series are dropped `graceMs`
 * after the trial finishes, so thousands of trials do not pile up live series.
 *
 * @example
 * const metrics = createWorkerMetrics({ pool: "cpu", worker: "host-1" });
 * metrics.trialStarted(labels, 1);
 * metrics.epoch(labels, record);
 * metrics.trialFinished(labels, "completed", 12.5);
 */
export function createWorkerMetrics(options: WorkerMetricsOptions): WorkerMetrics {
  const registry = options.registry ?? new Registry();
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const clock = options.clock ?? Date.now;
  const m = defineMetrics(registry);
  if (options.processMetrics ?? true) addProcessMetrics(registry);
  const where = { pool: options.pool, worker: options.worker };
  const live = new Map<string, TrialLabels>();
  const expiry = new Map<string, number>();
  let backend: string | undefined;

  const trialSeries = (t: TrialLabels) => ({ ...where, ...t });
  const sweepSeries = (t: TrialLabels) => ({ ...where, sweep: t.sweep });
  const seenSweeps = new Set<string>();
  // Counters start at 0 when a sweep first appears, so increase()/rate() see the first event.
  const initSweep = (t: TrialLabels) => {
    if (seenSweeps.has(t.sweep)) return;
    seenSweeps.add(t.sweep);
    const labels = sweepSeries(t);
    for (const counter of [m.trialsStarted, m.retries, m.resumes, m.checkpoints]) {
      counter.inc(labels, 0);
    }
    for (const status of TRIAL_STATUSES) m.trialsFinished.inc({ ...labels, status }, 0);
  };
  const touch = (t: TrialLabels) => {
    live.set(keyOf(t), t);
    expiry.delete(keyOf(t));
  };

  const removeTrial = (t: TrialLabels) => {
    const labels = trialSeries(t);
    m.trialEpoch.remove(labels);
    m.trialRunning.remove(labels);
    for (const split of SPLITS) {
      m.trialLoss.remove({ ...labels, split });
      m.trialMetric.remove({ ...labels, split });
    }
    live.delete(keyOf(t));
    expiry.delete(keyOf(t));
  };

  const flushExpired = (now = clock()) => {
    let removed = 0;
    for (const [key, deadline] of expiry) {
      const t = live.get(key);
      if (deadline > now || t === undefined) continue;
      removeTrial(t);
      removed++;
    }
    return removed;
  };

  const timer =
    (options.autoFlush ?? true)
      ? setInterval(() => flushExpired(), Math.max(1000, Math.min(graceMs, 10_000)))
      : undefined;
  timer?.unref();

  return {
    registry,
    trialStarted(t, attempt) {
      initSweep(t);
      touch(t);
      m.trialRunning.set(trialSeries(t), 1);
      m.trialEpoch.set(trialSeries(t), 0);
      m.trialsStarted.inc(sweepSeries(t));
      if (attempt > 1) m.retries.inc(sweepSeries(t));
    },
    epoch(t, r) {
      touch(t);
      const labels = trialSeries(t);
      m.trialEpoch.set(labels, r.epoch);
      m.trialLoss.set({ ...labels, split: "train" }, r.trainLoss);
      m.trialLoss.set({ ...labels, split: "validation" }, r.valLoss);
      m.trialMetric.set({ ...labels, split: "train" }, r.trainMetric);
      m.trialMetric.set({ ...labels, split: "validation" }, r.valMetric);
      m.epochDuration.observe(sweepSeries(t), r.seconds);
    },
    checkpointWritten(t) {
      m.checkpoints.inc(sweepSeries(t));
    },
    resumed(t, fromEpoch) {
      touch(t);
      m.resumes.inc(sweepSeries(t));
      m.trialEpoch.set(trialSeries(t), fromEpoch);
    },
    trialFinished(t, status, durationSeconds) {
      initSweep(t);
      if (!live.has(keyOf(t))) live.set(keyOf(t), t);
      m.trialRunning.set(trialSeries(t), 0);
      m.trialsFinished.inc({ ...sweepSeries(t), status });
      m.trialDuration.observe({ ...sweepSeries(t), status }, durationSeconds);
      expiry.set(keyOf(t), clock() + graceMs);
    },
    attemptFailed(t) {
      if (!live.has(keyOf(t))) return;
      m.trialRunning.set(trialSeries(t), 0);
      expiry.set(keyOf(t), clock() + graceMs);
    },
    setSlots(busy, total) {
      m.slotsBusy.set(where, busy);
      m.slotsTotal.set(where, total);
    },
    setBackend(name) {
      if (backend !== undefined) m.backendInfo.remove({ ...where, backend });
      backend = name;
      m.backendInfo.set({ ...where, backend: name }, 1);
    },
    flushExpired,
    trialSeriesCount: () => live.size,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
