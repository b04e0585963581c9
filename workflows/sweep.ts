import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from "@temporalio/workflow";
import { expandTrials } from "../spec";
import type { TrialSpec } from "../spec/types";
import {
  cancelSweepSignal,
  NON_RETRYABLE_ERRORS,
  pauseSweepSignal,
  poolTaskQueue,
  progressQuery,
  resumeSweepSignal,
  type SweepActivities,
  type SweepResult,
  type SweepWorkflowInput,
  setMaxParallelSignal,
  type TrainingActivities,
  type TrialOutcome,
} from "./definitions";
import {
  checkMaxParallel,
  DEFAULT_HISTORY_LIMIT,
  finishedCount,
  initialState,
  recordOutcome,
} from "./sweep-state";

// Bookkeeping is idempotent and cheap, so it retries without limit: an S3 outage of any length
// delays the sweep's summary instead of failing the sweep.
const bookkeeping = proxyActivities<SweepActivities>({
  startToCloseTimeout: "10 minutes",
  retry: { initialInterval: "1s", backoffCoefficient: 2, maximumInterval: "30s" },
});

function trainingActivities(input: SweepWorkflowInput) {
  const { execution } = input.spec;
  return proxyActivities<TrainingActivities>({
    taskQueue: poolTaskQueue(execution.pool),
    startToCloseTimeout: execution.trialTimeoutMinutes * 60_000,
    heartbeatTimeout: execution.heartbeatTimeoutSeconds * 1000,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: execution.retry.maximumAttempts,
      initialInterval: execution.retry.initialIntervalSeconds * 1000,
      backoffCoefficient: execution.retry.backoffCoefficient,
      maximumInterval: execution.retry.maximumIntervalSeconds * 1000,
      nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
    },
  });
}

function failureMessage(error: unknown): string {
  const cause = error instanceof ActivityFailure ? (error.cause ?? error) : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Runs every trial of a sweep on its pool's task queue, at most `maxParallel` at a time.
 *
 * Durable contract: trials are identified by stable ids, so a retried or re-run sweep reuses
 * finished curves from the bucket. A trial that exhausts its retries is recorded as `failed`
 * and never fails the sweep; a diverged trial is a result. History stays bounded: after
 * `historyLimit` events the workflow drains its running trials and continues as new.
 * Signals: pause, resume, cancel, setMaxParallel. Query: progress.
 */
export async function sweepWorkflow(input: SweepWorkflowInput): Promise<SweepResult> {
  const { spec, sweepId } = input;
  const trials = expandTrials(spec);
  const info = workflowInfo();
  const state =
    input.state ?? initialState(spec.execution.maxParallel, new Date(info.startTime).toISOString());
  const running = new Set<string>();
  const mode = spec.objective.mode;
  const train = trainingActivities(input);
  const scope = new CancellationScope();

  setHandler(pauseSweepSignal, () => {
    state.paused = true;
  });
  setHandler(resumeSweepSignal, () => {
    state.paused = false;
  });
  setHandler(cancelSweepSignal, () => {
    if (state.cancelled) return;
    state.cancelled = true;
    scope.cancel();
  });
  setHandler(setMaxParallelSignal, (value) => {
    if (checkMaxParallel(value) === undefined) state.maxParallel = value;
  });
  setHandler(progressQuery, () => ({
    sweepId,
    total: trials.length,
    started: state.nextIndex,
    counts: state.counts,
    reused: state.reused,
    running: [...running],
    paused: state.paused,
    cancelled: state.cancelled,
    maxParallel: state.maxParallel,
    ...(state.best ? { best: state.best } : {}),
    runs: state.runs,
    historyLength: workflowInfo().historyLength,
  }));

  if (state.runs === 1 && state.nextIndex === 0)
    await bookkeeping.writeSweepSpec({ sweepId, spec });

  const runTrial = async (trial: TrialSpec): Promise<void> => {
    running.add(trial.trialId);
    let outcome: TrialOutcome;
    try {
      outcome = await scope.run(() =>
        train.trainTrial({
          sweepId,
          trial,
          checkpointEvery: spec.training.checkpointEvery,
          objective: spec.objective,
          pool: spec.execution.pool,
          maximumAttempts: spec.execution.retry.maximumAttempts,
        }),
      );
    } catch (error) {
      outcome = await failedOrCancelled(trial, error);
    } finally {
      running.delete(trial.trialId);
    }
    recordOutcome(state, outcome, mode);
  };

  const failedOrCancelled = async (trial: TrialSpec, error: unknown): Promise<TrialOutcome> => {
    const base = { trialId: trial.trialId, epochs: 0, attempts: 0, resumes: 0, reused: false };
    if (state.cancelled && (isCancellation(error) || error instanceof CancelledFailure)) {
      return { ...base, status: "cancelled" };
    }
    const message = failureMessage(error);
    await bookkeeping.recordFailedTrial({
      sweepId,
      trial,
      error: message,
      attempts: spec.execution.retry.maximumAttempts,
    });
    return { ...base, status: "failed", error: message };
  };

  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const historyFull = () => {
    const i = workflowInfo();
    state.largestHistory = Math.max(state.largestHistory, i.historyLength);
    return i.continueAsNewSuggested || i.historyLength >= historyLimit;
  };

  while (state.nextIndex < trials.length && !state.cancelled && !historyFull()) {
    await condition(() => state.cancelled || (!state.paused && running.size < state.maxParallel));
    if (state.cancelled) break;
    const trial = trials[state.nextIndex];
    if (!trial) break;
    state.nextIndex += 1;
    void runTrial(trial);
  }
  await condition(() => running.size === 0);
  state.largestHistory = Math.max(state.largestHistory, workflowInfo().historyLength);

  if (state.nextIndex < trials.length && !state.cancelled) {
    return continueAsNew<typeof sweepWorkflow>({
      ...input,
      state: { ...state, runs: state.runs + 1 },
    });
  }
  if (state.cancelled) state.counts.cancelled += trials.length - state.nextIndex;
  if (finishedCount(state.counts) !== trials.length) {
    throw ApplicationFailure.nonRetryable(
      `sweep bookkeeping mismatch: ${finishedCount(state.counts)} of ${trials.length} trials accounted for`,
    );
  }
  const artefacts = await bookkeeping.summarizeSweep({
    sweepId,
    spec,
    startedAt: state.startedAt,
    finishedAt: new Date(Date.now()).toISOString(),
  });
  return {
    sweepId,
    total: trials.length,
    counts: state.counts,
    reused: state.reused,
    ...(state.best ? { best: state.best } : {}),
    cancelled: state.cancelled,
    runs: state.runs,
    largestHistory: state.largestHistory,
    artefacts: { spec: `sweeps/${sweepId}/spec.json`, ...artefacts },
  };
}
