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
import type { SweepSpec } from "../spec";
import type { Objective, TrialSpec, TrialStatus } from "../spec/types";

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
}

export interface StatusCounts {
  completed: number;
  diverged: number;
  failed: number;
  cancelled: number;
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
