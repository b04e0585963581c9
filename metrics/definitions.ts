import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/**
 * Every hypersweep metric: names, help and label sets, in one place so that the
 * dashboards, the docs and the tests agree. Labels are bounded: a trial's series carry
 * its id and hyper-parameters, never an epoch (an epoch is a value, not a series).
 */
export const METRIC = {
  trialEpoch: "hypersweep_trial_epoch",
  trialLoss: "hypersweep_trial_loss",
  trialMetric: "hypersweep_trial_metric",
  trialRunning: "hypersweep_trial_running",
  trialsStarted: "hypersweep_trials_started_total",
  trialsFinished: "hypersweep_trials_finished_total",
  retries: "hypersweep_trial_retries_total",
  resumes: "hypersweep_trial_resumes_total",
  checkpoints: "hypersweep_checkpoints_written_total",
  epochDuration: "hypersweep_epoch_duration_seconds",
  trialDuration: "hypersweep_trial_duration_seconds",
  slotsBusy: "hypersweep_worker_slots_busy",
  slotsTotal: "hypersweep_worker_slots",
  backendInfo: "hypersweep_worker_backend_info",
} as const;

/** The per-trial labels that name a hyper-parameter: what a comparison grid can split by. */
export const HYPER_PARAMETER_LABELS = [
  "lr",
  "momentum",
  "optimizer",
  "hidden",
  "activation",
  "dropout",
  "l2",
  "epochs",
  "batch_size",
] as const;
/**
 * Labels of the per-trial series (removed after a grace period once the trial ends). `task`
 * (classification | regression) is constant per sweep, so it adds no series; dashboards need
 * it to tell whether a higher metric (accuracy) or a lower one (MSE) is better.
 */
export const TRIAL_LABELS = [
  "sweep",
  "trial",
  "pool",
  "worker",
  ...HYPER_PARAMETER_LABELS,
  "seed",
  "task",
  "params_hash",
] as const;
/** Labels of the per-sweep counters and histograms on one worker. */
export const SWEEP_LABELS = ["sweep", "pool", "worker"] as const;
export const WORKER_LABELS = ["pool", "worker"] as const;
/** `split` distinguishes the training curve from the validation curve. */
export const SPLITS = ["train", "validation"] as const;

type TrialLabel = (typeof TRIAL_LABELS)[number];
type SweepLabel = (typeof SWEEP_LABELS)[number];
type WorkerLabel = (typeof WORKER_LABELS)[number];

/** Epochs of tiny models take milliseconds, of real ones minutes. */
const EPOCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TRIAL_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];

/** Creates and registers every hypersweep metric on `registry`. */
export function defineMetrics(registry: Registry) {
  const registers = [registry];
  return {
    trialEpoch: new Gauge<TrialLabel>({
      name: METRIC.trialEpoch,
      help: "Last completed epoch of a trial (1-based).",
      labelNames: TRIAL_LABELS,
      registers,
    }),
    trialLoss: new Gauge<TrialLabel | "split">({
      name: METRIC.trialLoss,
      help: "Loss of a trial after its last completed epoch, by split (train or validation).",
      labelNames: [...TRIAL_LABELS, "split"],
      registers,
    }),
    trialMetric: new Gauge<TrialLabel | "split">({
      name: METRIC.trialMetric,
      help: "Metric (accuracy for classification, MSE for regression) of a trial after its last completed epoch, by split.",
      labelNames: [...TRIAL_LABELS, "split"],
      registers,
    }),
    trialRunning: new Gauge<TrialLabel>({
      name: METRIC.trialRunning,
      help: "1 while the trial trains on this worker, 0 once it finished (until its series expire).",
      labelNames: TRIAL_LABELS,
      registers,
    }),
    trialsStarted: new Counter<SweepLabel>({
      name: METRIC.trialsStarted,
      help: "Trial attempts started on this worker.",
      labelNames: SWEEP_LABELS,
      registers,
    }),
    trialsFinished: new Counter<SweepLabel | "status">({
      name: METRIC.trialsFinished,
      help: "Trials finished on this worker, by status (completed, diverged, failed, cancelled, stopped).",
      labelNames: [...SWEEP_LABELS, "status"],
      registers,
    }),
    retries: new Counter<SweepLabel>({
      name: METRIC.retries,
      help: "Trial attempts after the first (retries) started on this worker.",
      labelNames: SWEEP_LABELS,
      registers,
    }),
    resumes: new Counter<SweepLabel>({
      name: METRIC.resumes,
      help: "Trials resumed from a checkpoint instead of starting from epoch 0.",
      labelNames: SWEEP_LABELS,
      registers,
    }),
    checkpoints: new Counter<SweepLabel>({
      name: METRIC.checkpoints,
      help: "Trial checkpoints written to the artefact store.",
      labelNames: SWEEP_LABELS,
      registers,
    }),
    epochDuration: new Histogram<SweepLabel>({
      name: METRIC.epochDuration,
      help: "Wall time of one training epoch, evaluation included.",
      labelNames: SWEEP_LABELS,
      buckets: EPOCH_BUCKETS,
      registers,
    }),
    trialDuration: new Histogram<SweepLabel | "status">({
      name: METRIC.trialDuration,
      help: "Wall time of one trial attempt, by final status.",
      labelNames: [...SWEEP_LABELS, "status"],
      buckets: TRIAL_BUCKETS,
      registers,
    }),
    slotsBusy: new Gauge<WorkerLabel>({
      name: METRIC.slotsBusy,
      help: "Trial slots of this worker currently training.",
      labelNames: WORKER_LABELS,
      registers,
    }),
    slotsTotal: new Gauge<WorkerLabel>({
      name: METRIC.slotsTotal,
      help: "Trial slots of this worker (its concurrency).",
      labelNames: WORKER_LABELS,
      registers,
    }),
    backendInfo: new Gauge<WorkerLabel | "backend">({
      name: METRIC.backendInfo,
      help: "Training backend in use on this worker (info metric, always 1).",
      labelNames: [...WORKER_LABELS, "backend"],
      registers,
    }),
  };
}

/** The metric objects of one registry. */
export type HypersweepMetrics = ReturnType<typeof defineMetrics>;
