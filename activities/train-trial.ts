import { ApplicationFailure, CancelledFailure, Context } from "@temporalio/activity";
import { toApplicationFailure } from "../errors";
import { type TrialLabels, trialLabelsOf } from "../metrics";
import type { EpochRecord } from "../spec/types";
import type { TrialArtifact } from "../storage/artifacts";
import { sourceReader } from "../storage/datasets";
import { latestCheckpoint, readTrial, saveCheckpoint, writeTrial } from "../storage/trials";
import {
  decodeCheckpoint,
  loadDataset,
  trainTrial as runTraining,
  type TrainResult,
} from "../training";
import type { TrainTrialInput, TrialFailureDetails, TrialOutcome } from "../workflows/definitions";
import type { ActivityDeps } from "./deps";

/** What each heartbeat carries; the next attempt reads the last one back. */
export interface TrialHeartbeat {
  trialId: string;
  epoch: number;
  checkpointEpoch?: number;
  resumedFromEpochs: number[];
  attemptLog: AttemptRecord[];
}

/** Per attempt: where it resumed and how far it got (proves bounded re-training). */
export interface AttemptRecord {
  attempt: number;
  resumedFromEpoch: number;
  reachedEpoch: number;
}

function previousHeartbeat(): TrialHeartbeat | undefined {
  const details = Context.current().info.heartbeatDetails as TrialHeartbeat | undefined;
  return details && typeof details.epoch === "number" ? details : undefined;
}

function objectiveOf(records: EpochRecord[], metric: TrainTrialInput["objective"]["metric"]) {
  const v = records.at(-1)?.[metric];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

export function outcomeOf(a: TrialArtifact, input: TrainTrialInput, reused: boolean): TrialOutcome {
  const objective = objectiveOf(a.records, input.objective.metric);
  return {
    trialId: a.trialId,
    status: a.status,
    epochs: a.records.length,
    ...(objective === undefined ? {} : { objective }),
    attempts: a.attempts,
    resumes: a.resumedFromEpochs.length,
    reused,
  };
}

async function loadData(deps: ActivityDeps, input: TrainTrialInput) {
  const { dataset } = input.trial.config;
  try {
    return await deps.data.get(JSON.stringify(dataset), () =>
      loadDataset(dataset, sourceReader(deps.store)),
    );
  } catch (error) {
    throw toApplicationFailure(error);
  }
}

/** Factory for the training activity; the worker supplies store, metrics and backend. */
export function createTrainingActivities(deps: ActivityDeps) {
  /**
   * Trains one trial. Idempotent: if the trial's final curves are already in the bucket they are
   * returned without training. Heartbeats every epoch (the heartbeat timeout is tens of seconds),
   * checkpoints every `checkpointEvery` epochs and resumes from the newest checkpoint on a retry,
   * so the final curve holds each epoch exactly once. Bad data is non-retryable; divergence is a
   * result; workflow cancellation keeps the partial curve (status `cancelled`); worker shutdown
   * checkpoints and fails retryably so another worker resumes.
   */
  async function trainTrial(input: TrainTrialInput): Promise<TrialOutcome> {
    const { sweepId, trial } = input;
    const done = await readTrial(deps.store, sweepId, trial.trialId);
    if (done && (done.status === "completed" || done.status === "diverged")) {
      return outcomeOf(done, input, true);
    }
    const labels = trialLabelsOf(sweepId, trial);
    const started = Date.now();
    const attempt = Context.current().info.attempt;
    let artifact: TrialArtifact;
    try {
      artifact = await runAttempt(deps, input, labels, attempt, started);
    } catch (error) {
      // The trial will not run again: count it failed; otherwise let its series expire.
      const final =
        (error instanceof ApplicationFailure && error.nonRetryable) ||
        attempt >= (input.maximumAttempts ?? Number.POSITIVE_INFINITY);
      if (final) deps.metrics?.trialFinished(labels, "failed", (Date.now() - started) / 1000);
      else deps.metrics?.attemptFailed(labels);
      throw withAttempt(error, attempt);
    }
    deps.metrics?.trialFinished(labels, artifact.status, artifact.durationSeconds);
    if (artifact.status === "cancelled") throw new CancelledFailure("trial cancelled by the sweep");
    return outcomeOf(artifact, input, false);
  }
  return { trainTrial };
}

/**
 * The error as an `ApplicationFailure` (ours converted by `toApplicationFailure`; message, type,
 * retryability, details and cause kept) with this attempt added to its details, so the sweep
 * records the attempts a failed trial really made. Cancellation passes through untouched.
 */
function withAttempt(error: unknown, attempt: number): unknown {
  const converted = toApplicationFailure(error);
  if (converted instanceof CancelledFailure || !(converted instanceof Error)) return converted;
  const report: TrialFailureDetails = { attempt };
  if (!(converted instanceof ApplicationFailure)) {
    const { message, name } = converted;
    return ApplicationFailure.create({ message, type: name, details: [report], cause: converted });
  }
  const app = converted;
  return ApplicationFailure.create({
    message: app.message,
    ...(app.type ? { type: app.type } : {}),
    nonRetryable: app.nonRetryable ?? false,
    details: [...(app.details ?? []), report],
    ...(app.nextRetryDelay ? { nextRetryDelay: app.nextRetryDelay } : {}),
    ...(app.category ? { category: app.category } : {}),
    ...(app.cause ? { cause: app.cause } : {}),
  });
}

/** One attempt: load data, resume from the newest checkpoint, train, write the curves. */
async function runAttempt(
  deps: ActivityDeps,
  input: TrainTrialInput,
  labels: TrialLabels,
  attempt: number,
  started: number,
): Promise<TrialArtifact> {
  const ctx = Context.current();
  const { sweepId, trial } = input;
  const data = await loadData(deps, input);
  const checkpoint = usable(await latestCheckpoint(deps.store, sweepId, trial.trialId));
  const hb = heartbeatFor(trial.trialId, attempt, checkpoint?.epoch);
  const current = hb.attemptLog.at(-1)!;
  ctx.heartbeat(hb);
  deps.metrics?.trialStarted(labels, attempt);
  if (checkpoint) deps.metrics?.resumed(labels, checkpoint.epoch);

  const result = await nonRetryableOnBadConfig(() =>
    runTraining({
      trial: trial.config,
      data,
      signal: AbortSignal.any([ctx.cancellationSignal, deps.shutdown]),
      checkpointEvery: input.checkpointEvery,
      ...(checkpoint ? { resumeFrom: checkpoint.bytes } : {}),
      onEpoch: (record) => {
        hb.epoch = record.epoch;
        current.reachedEpoch = record.epoch;
        ctx.heartbeat(hb);
        deps.metrics?.epoch(labels, record);
      },
      onCheckpoint: async (bytes, epoch) => {
        await saveCheckpoint(deps.store, sweepId, trial.trialId, epoch, bytes);
        hb.checkpointEpoch = epoch;
        ctx.heartbeat(hb);
        deps.metrics?.checkpointWritten(labels);
      },
    }),
  );
  if (result.status === "cancelled" && !ctx.cancellationSignal.aborted) {
    throw ApplicationFailure.create({
      message: `worker shutting down at epoch ${hb.epoch}; a retry resumes from epoch ${hb.checkpointEpoch ?? 0}`,
      type: "WorkerShutdown",
    });
  }
  const artifact = toArtifact(input, result, attempt, hb, (Date.now() - started) / 1000);
  await writeTrial(deps.store, artifact);
  return artifact;
}

/** This attempt's heartbeat, carrying the resume history of earlier attempts forward. */
function heartbeatFor(
  trialId: string,
  attempt: number,
  checkpointEpoch: number | undefined,
): TrialHeartbeat {
  const prior = previousHeartbeat();
  const from = checkpointEpoch ?? 0;
  return {
    trialId,
    epoch: from,
    ...(checkpointEpoch === undefined ? {} : { checkpointEpoch }),
    resumedFromEpochs: [
      ...(prior?.resumedFromEpochs ?? []),
      ...(checkpointEpoch === undefined ? [] : [from]),
    ],
    attemptLog: [
      ...(prior?.attemptLog ?? []),
      { attempt, resumedFromEpoch: from, reachedEpoch: from },
    ],
  };
}

/** A checkpoint that cannot be decoded is ignored: the trial restarts rather than failing forever. */
function usable<T extends { bytes: Uint8Array }>(checkpoint: T | undefined): T | undefined {
  if (!checkpoint) return undefined;
  try {
    decodeCheckpoint(checkpoint.bytes);
    return checkpoint;
  } catch {
    return undefined;
  }
}

async function nonRetryableOnBadConfig<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toApplicationFailure(error);
  }
}

function toArtifact(
  input: TrainTrialInput,
  result: TrainResult,
  attempt: number,
  hb: TrialHeartbeat,
  seconds: number,
): TrialArtifact {
  return {
    sweepId: input.sweepId,
    trialId: input.trial.trialId,
    params: input.trial.params,
    config: input.trial.config,
    status: result.status,
    ...(result.divergedAtEpoch === undefined ? {} : { divergedAtEpoch: result.divergedAtEpoch }),
    records: result.records,
    attempts: attempt,
    resumedFromEpochs: hb.resumedFromEpochs,
    attemptLog: hb.attemptLog,
    backend: result.backend,
    durationSeconds: seconds,
    finishedAt: new Date().toISOString(),
  };
}
