/**
 * The sweep's public surface: task queues, payload types, signals, updates and queries, and the
 * activity types (derived from the implementations by type-only imports, erased from the bundle).
 */
import { defineQuery, defineSignal, defineUpdate } from "@temporalio/workflow";
// biome-ignore lint/style/noRestrictedImports: type-only, erased; the types follow the implementation
import type { createSweepActivities } from "../activities/sweep-bookkeeping";
// biome-ignore lint/style/noRestrictedImports: type-only, erased; the types follow the implementation
import type { createTrainingActivities } from "../activities/train-trial";
import { NON_RETRYABLE_ERROR_TYPES } from "../errors";
import type { AshaState, MedianState, Point, SweepSpec } from "../spec";
import type { Objective, ObjectiveMetric, TrialSpec, TrialStatus } from "../spec/types";

/** Sweep workflows and their light activities; never waits behind training. */
export const SWEEP_TASK_QUEUE = "hypersweep-sweeps";

/** Training activities of a pool run on `hypersweep-<pool>`. */
export function poolTaskQueue(pool: string): string {
  return `hypersweep-${pool}`;
}

/** Error types that no retry can fix (bad data, spec, trial settings): derived in errors/. */
export const NON_RETRYABLE_ERRORS = [...NON_RETRYABLE_ERROR_TYPES];

export interface SweepWorkflowInput {
  sweepId: string;
  /** Validated spec with its dataset source already in the bucket (`s3://...`). */
  spec: SweepSpec;
  /** Start a continue-as-new once history passes this many events (tests lower it). */
  historyLimit?: number;
  /** Carried across continue-as-new; absent on the first run. */
  state?: SweepState;
  /** The client set the sweep's search attributes at start: keep them current. */
  searchAttributes?: boolean;
}

export interface StatusCounts {
  completed: number;
  diverged: number;
  failed: number;
  cancelled: number;
  /** Early-stopped trials; absent in the state of sweeps started before early stopping. */
  stopped?: number;
}

export interface TrialOutcome {
  trialId: string;
  status: TrialStatus;
  epochs: number;
  /** The spec's objective value at the last epoch (undefined when not finite). */
  objective?: number;
  attempts: number;
  resumes: number;
  /** True when the trial's curves were already in the bucket and nothing was trained. */
  reused: boolean;
  error?: string;
  /**
   * Set when the activity trained only up to `untilEpoch` (an early-stopping segment): the
   * trial is not finished; `value` is the judged metric at `epoch`.
   */
  segment?: { epoch: number; value: number };
}

/** TPE's memory, carried across continue-as-new: compact, one entry per finished trial. */
export interface SamplerState {
  /** Points handed out so far (startup points included). */
  points: number;
  /** Finished trials: sampled settings and the objective (null: no finite value). */
  observations: Array<{ p: Point; v: number | null }>;
  /** Trials started or queued and not finished: trial id → its sampled settings. */
  pending: Record<string, Point>;
  /** Trials of the latest point not handed out yet (grid lists crossed with it). */
  queue: TrialSpec[];
}

/** Early stopping's memory: the rule's state and the trials parked between segments. */
export interface StoppingState {
  asha?: AshaState;
  median?: MedianState;
  /** Trials promoted to a next segment when the run drained for continue-as-new. */
  parked: Array<{ trial: TrialSpec; fromEpoch: number; untilEpoch: number }>;
}

/** Which budget stopped the scheduling, and its limit. */
export interface BudgetStop {
  budget: "maxTrials" | "maxFailedTrials" | "maxHours";
  limit: number;
}

export interface SweepState {
  nextIndex: number;
  counts: StatusCounts;
  reused: number;
  best?: TrialOutcome;
  paused: boolean;
  cancelled: boolean;
  maxParallel: number;
  startedAt: string;
  /** Trials per training activity, fixed at the first run (`execution.pack` resolved). */
  pack?: number;
  /** Runs of this workflow so far (continue-as-new count + 1). */
  runs: number;
  largestHistory: number;
  search?: SamplerState;
  stopping?: StoppingState;
  /** Set once a budget stopped the scheduling. */
  budgetStop?: BudgetStop;
  /** Failed trials, listed when maxFailedTrials ends the sweep (kept only with that budget). */
  failures?: Array<{ trialId: string; error: string }>;
}

export interface SweepProgress {
  sweepId: string;
  total: number;
  started: number;
  counts: StatusCounts;
  reused: number;
  running: string[];
  paused: boolean;
  cancelled: boolean;
  maxParallel: number;
  best?: TrialOutcome;
  runs: number;
  historyLength: number;
}

export interface SweepResult {
  sweepId: string;
  total: number;
  counts: StatusCounts;
  reused: number;
  best?: TrialOutcome;
  cancelled: boolean;
  runs: number;
  /** Largest history length any run of this sweep reached. */
  largestHistory: number;
  /** The budget that stopped the scheduling, if one did. */
  budgetStop?: BudgetStop;
  artefacts: { spec: string; summary: string; leaderboard: string };
}

export interface TrainTrialInput {
  sweepId: string;
  trial: TrialSpec;
  checkpointEvery: number;
  objective: Objective;
  pool: string;
  /** The retry policy's limit, so the last attempt knows it is the last. */
  maximumAttempts?: number;
  /**
   * Early stopping: train only up to this epoch (from the trial's checkpoint), checkpoint there
   * and return a `segment` outcome with `judge`'s value at it; or, with `stop`, record the trial
   * `stopped` at this epoch without training.
   */
  untilEpoch?: number;
  judge?: ObjectiveMetric;
  stop?: boolean;
}

/** One packed training activity: trials of one pack group, consecutive in the sweep. */
export interface TrainTrialsInput extends Omit<TrainTrialInput, "trial"> {
  /** Derived from its trials' ids (`packIdOf`): the activity's name in logs and heartbeats. */
  packId: string;
  trials: TrialSpec[];
}

/**
 * What a packed activity cancelled by the sweep adds to its `CancelledFailure` details: the
 * trials of the pack that had already finished (the rest are cancelled).
 */
export interface PackCancelDetails {
  finished: TrialOutcome[];
}

/** Pool workers' backends, for `execution.pack: auto`. */
export interface PoolWorkersInput {
  pool: string;
}

export interface RecordFailureInput {
  sweepId: string;
  trial: TrialSpec;
  error: string;
  attempts: number;
}

export interface SummarizeInput {
  sweepId: string;
  spec: SweepSpec;
  startedAt: string;
  finishedAt: string;
  /**
   * Trials the sweep started: with a budget stop only the first `started` grid trials are the
   * sweep's; with `sampled`, every trial artefact of the sweep is (TPE proposals are not in the
   * expansion).
   */
  started?: number;
  sampled?: boolean;
  budgetStop?: BudgetStop;
}

/** What a failed `trainTrial` adds to its failure's `ApplicationFailure.details`. */
export interface TrialFailureDetails {
  /** The attempt that failed last: a non-retryable failure on the first try reports 1. */
  attempt: number;
}

/** Training activities (pool task queues). */
export type TrainingActivities = ReturnType<typeof createTrainingActivities>;

/** Light bookkeeping activities (sweep task queue). */
export type SweepActivities = ReturnType<typeof createSweepActivities>;

export const progressQuery = defineQuery<SweepProgress>("progress");
export const pauseSweepSignal = defineSignal("pause");
export const resumeSweepSignal = defineSignal("resume");
export const cancelSweepSignal = defineSignal("cancel");
/** Kept for sweeps started before the update existed; new clients use the update. */
export const setMaxParallelSignal = defineSignal<[number]>("setMaxParallel");
/** Sets `maxParallel`; a bad value is rejected to the caller (message names the field). */
export const setMaxParallelUpdate = defineUpdate<number, [number]>("setMaxParallel");
