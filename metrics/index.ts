export {
  defineMetrics,
  type HypersweepMetrics,
  METRIC,
  SPLITS,
  SWEEP_LABELS,
  TRIAL_LABELS,
  WORKER_LABELS,
} from "./definitions";
export {
  fileSdContent,
  OWNER_LABEL,
  pruneStaleTargets,
  registerScrapeTarget,
  type ScrapeTarget,
  type ScrapeTargetOptions,
} from "./file-sd";
export {
  type MetricsServer,
  type MetricsServerOptions,
  startMetricsServer,
  takenPorts,
} from "./server";
export { trialLabelsOf } from "./trial-labels";
export {
  createWorkerMetrics,
  DEFAULT_GRACE_MS,
  type TrialLabels,
  type WorkerMetrics,
  type WorkerMetricsOptions,
} from "./worker-metrics";
