import { CancelledFailure, Context } from "@temporalio/activity";
import { ModelModuleError, toApplicationFailure } from "../errors";
import { type TrialLabels, trialLabelsOf } from "../metrics";
import type { EpochRecord } from "../spec/types";
import type { TrialArtifact } from "../storage/artifacts";
import { parseCodeKey, S3_SCHEME } from "../storage/keys";
import type { TrialLease } from "../storage/lease";
import { type ArtifactStore, ObjectNotFoundError } from "../storage/store";
import { isFinal, latestCheckpoint, saveCheckpoint, writeTrial } from "../storage/trials";
import {
  decodeCheckpoint,
  loadModelCode,
  type ModelCode,
  trainTrial as runTraining,
} from "../training";
import type { TrainTrialInput, TrialOutcome } from "../workflows/definitions";
import {
  type AttemptScope,
  type ClaimScope,
  claimOrWait,
  commitAttempt,
  leasedAttempt,
} from "./attempt-commit";
import { attemptStore } from "./attempt-guard";
import { runCommandAttempt } from "./command-trial";
import type { ActivityDeps } from "./deps";
import { createPackTraining } from "./train-pack";
import {
  attemptError,
  cachedDataset,
  findTrial,
  nonRetryableOnBadConfig,
  objectiveOf,
  outcomeOf,
  startingPoint,
  usable,
} from "./trial-common";
import { heartbeatFor, type TrialHeartbeat } from "./trial-heartbeat";

/** The trial's dataset, from the worker's cache. */
export function loadData(deps: ActivityDeps, store: ArtifactStore, input: TrainTrialInput) {
  return cachedDataset(deps, store, input.trial.config.dataset);
}

/**
 * The trial's model module, fetched from the bucket and verified against the hash in its key
 * before it runs. A module source that is not a code key (a spec that skipped preparing) or a
 * bundle that is gone or altered fails the trial without retries.
 */
async function loadCode(deps: ActivityDeps, store: ArtifactStore, input: TrainTrialInput) {
  const { model } = input.trial.config;
  if (model.type !== "module") return undefined;
  const key = model.module.slice(S3_SCHEME.length);
  const parsed = model.module.startsWith(S3_SCHEME) ? parseCodeKey(key) : undefined;
  const load = async (): Promise<ModelCode> => {
    if (!parsed)
      throw new ModelModuleError(
        `model module ${model.module}: not a bundle in the bucket (s3://code/<sha256>/…); start the sweep with hypersweep run or prepareSpec`,
      );
    const bytes = await store.getBytes(key).catch((error) => {
      if (!(error instanceof ObjectNotFoundError)) throw error;
      throw new ModelModuleError(`model module ${parsed.fileName}: ${key} is not in the bucket`, {
        cause: error,
      });
    });
    return loadModelCode(bytes, { sha256: parsed.sha256, name: parsed.fileName });
  };
  try {
    return await (deps.code ? deps.code.get(key, load) : load());
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
   * Fenced (storage/lease.ts): only the attempt holding the trial's lease writes its checkpoints
   * and curves; a superseded attempt stops without writing and does not count as a failure.
   * S3 outages are waited out, heartbeating, for up to the outage budget without spending the
   * attempt; past it the attempt fails with type `StoreOutageError`.
   */
  async function trainTrial(input: TrainTrialInput): Promise<TrialOutcome> {
    const { sweepId, trial } = input;
    const ctx = Context.current();
    const beat: { details?: TrialHeartbeat } = {};
    const signal = AbortSignal.any([ctx.cancellationSignal, deps.shutdown]);
    // Until this attempt has its own heartbeat, waits re-send the last one (the resume history).
    const store = attemptStore(deps, ctx, signal, () => beat.details ?? ctx.info.heartbeatDetails);
    const attemptOf = trial.config.model.type === "command" ? runCommandAttempt : trainLeased;
    const done = await findTrial(store, sweepId, trial).catch((e) => {
      throw toApplicationFailure(e);
    });
    if (done && isFinal(done)) return outcomeOf(done, input, true);
    const labels = trialLabelsOf(sweepId, trial);
    if (input.untilEpoch !== undefined) {
      const scope = { store, signal, beat };
      const early = await earlyStoppingStep(deps, scope, input, labels, ctx.info.attempt);
      if (early) return early;
    }
    const started = Date.now();
    const attempt = ctx.info.attempt;
    let artifact: TrialArtifact;
    try {
      const scope = { deps, store, signal, beat };
      const got = await leasedAttempt(scope, trial.trialId, (lease) =>
        attemptOf(scope, input, labels, attempt, started, lease),
      );
      // Another sweep trained it while this one waited: reused, not trained here.
      if ("reused" in got) return outcomeOf(got.reused, input, true);
      if ("paused" in got.ran) return segmentOutcome(input, got.ran.paused, attempt, false);
      artifact = got.ran;
    } catch (error) {
      // Cancelled by the sweep while it waited for another sweep's claim: not a failure.
      if (error instanceof CancelledFailure) throw error;
      throw attemptError(deps, ctx, error, { labels: [labels], attempt, started, input });
    }
    deps.metrics?.trialFinished(labels, artifact.status, artifact.durationSeconds);
    if (artifact.status === "cancelled") throw new CancelledFailure("trial cancelled by the sweep");
    return outcomeOf(artifact, input, false);
  }
  return { trainTrial, trainTrials: createPackTraining(deps) };
}

/**
 * One attempt of a built-in trial under its lease: load data, resume from the newest checkpoint
 * (or a shorter trial's of its lineage), train, commit the curves.
 */
async function trainLeased(
  scope: AttemptScope,
  input: TrainTrialInput,
  labels: TrialLabels,
  attempt: number,
  started: number,
  lease: TrialLease,
): Promise<TrialArtifact | { paused: EpochRecord[] }> {
  const ctx = Context.current();
  const { deps, store } = scope;
  const { trial } = input;
  const data = await loadData(deps, store, input);
  const modelCode = await loadCode(deps, store, input);
  const checkpoint = await startingPoint(store, trial, input.untilEpoch);
  const hb = heartbeatFor(trial.trialId, attempt, checkpoint?.epoch);
  scope.beat.details = hb;
  const current = hb.attemptLog.at(-1)!;
  ctx.heartbeat(hb);
  // The next segment of an early-stopped trial is not a new start nor a resume after a failure.
  const continuation = attempt === 1 && checkpoint !== undefined && input.judge !== undefined;
  if (!continuation) deps.metrics?.trialStarted(labels, attempt);
  if (checkpoint && !continuation) deps.metrics?.resumed(labels, checkpoint.epoch);

  const result = await nonRetryableOnBadConfig(() =>
    runTraining({
      trial: trial.config,
      data,
      signal: scope.signal,
      checkpointEvery: input.checkpointEvery,
      ...(checkpoint ? { resumeFrom: checkpoint.bytes } : {}),
      ...(modelCode ? { modelCode } : {}),
      ...(input.untilEpoch === undefined ? {} : { untilEpoch: input.untilEpoch }),
      onEpoch: (record) => {
        hb.epoch = record.epoch;
        current.reachedEpoch = record.epoch;
        ctx.heartbeat(hb);
        deps.metrics?.epoch(labels, record);
      },
      onCheckpoint: async (bytes, epoch) => {
        await saveCheckpoint(store, lease, epoch, bytes);
        hb.checkpointEpoch = epoch;
        ctx.heartbeat(hb);
        deps.metrics?.checkpointWritten(labels);
      },
    }),
  );
  if (result.status === "paused") return { paused: result.records };
  return commitAttempt(
    { store, lease },
    input,
    { ...result, status: result.status },
    attempt,
    hb,
    started,
  );
}

/**
 * What an early-stopping segment returns: the trial trained to `untilEpoch` (not finished) and
 * the judged metric there (NaN when not finite; JSON carries it as null).
 */
function segmentOutcome(
  input: TrainTrialInput,
  records: EpochRecord[],
  attempts: number,
  reused: boolean,
): TrialOutcome {
  const epoch = input.untilEpoch as number;
  const upTo = records.slice(0, epoch);
  const value = upTo.at(-1)?.[input.judge ?? input.objective.metric];
  const objective = objectiveOf(upTo, input.objective.metric);
  return {
    trialId: input.trial.trialId,
    status: "completed",
    epochs: upTo.length,
    ...(objective === undefined ? {} : { objective }),
    attempts,
    resumes: 0,
    reused,
    segment: { epoch, value: value ?? Number.NaN },
  };
}

/**
 * The early-stopping steps that need no training: a segment whose epochs a checkpoint already
 * holds (a retry, or a re-run) returns their value; a stop records the trial `stopped` with its
 * curve up to `untilEpoch`, from the newest checkpoint (fenced like any write). Undefined when
 * the segment has to train.
 */
async function earlyStoppingStep(
  deps: ActivityDeps,
  scope: ClaimScope,
  input: TrainTrialInput,
  labels: TrialLabels,
  attempt: number,
): Promise<TrialOutcome | undefined> {
  const { store } = scope;
  const { trial } = input;
  const epoch = input.untilEpoch as number;
  if (!input.stop) {
    const checkpoint = usable(await latestCheckpoint(store, trial.trialId));
    const records = checkpoint ? decodeCheckpoint(checkpoint.bytes).records : [];
    return records.length >= epoch ? segmentOutcome(input, records, attempt, true) : undefined;
  }
  // Finished by another sweep meanwhile (trained to the end): that result, not a stop.
  const claimed = await claimOrWait(scope, trial.trialId);
  if ("done" in claimed) return outcomeOf(claimed.done, input, true);
  const { lease } = claimed;
  try {
    return await recordStop(deps, store, input, labels, attempt, lease);
  } finally {
    await lease.release().catch(() => undefined);
  }
}

/** The trial recorded `stopped` with its curve up to `untilEpoch`, from its newest checkpoint. */
async function recordStop(
  deps: ActivityDeps,
  store: ArtifactStore,
  input: TrainTrialInput,
  labels: TrialLabels,
  attempt: number,
  lease: TrialLease,
): Promise<TrialOutcome> {
  const { sweepId, trial } = input;
  const epoch = input.untilEpoch as number;
  const checkpoint = usable(await latestCheckpoint(store, trial.trialId));
  const records = checkpoint ? decodeCheckpoint(checkpoint.bytes).records : [];
  const upTo = records.slice(0, epoch);
  const artifact: TrialArtifact = {
    sweepId,
    trialId: trial.trialId,
    params: trial.params,
    config: trial.config,
    status: "stopped",
    records: upTo,
    attempts: attempt,
    resumedFromEpochs: [],
    backend: deps.backend ?? "unknown",
    durationSeconds: upTo.reduce((sum, r) => sum + r.seconds, 0),
    finishedAt: new Date().toISOString(),
  };
  const stored = await writeTrial(store, artifact, lease);
  deps.metrics?.trialFinished(labels, stored.status, stored.durationSeconds);
  return outcomeOf(stored, input, stored !== artifact && isFinal(stored));
}
