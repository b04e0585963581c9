import { CancelledFailure, Context } from "@temporalio/activity";
import { ModelModuleError, toApplicationFailure } from "../errors";
import { type TrialLabels, trialLabelsOf } from "../metrics";
import type { TrialArtifact } from "../storage/artifacts";
import { parseCodeKey, S3_SCHEME } from "../storage/keys";
import { TrialLease } from "../storage/lease";
import { type ArtifactStore, ObjectNotFoundError } from "../storage/store";
import { isFinal, latestCheckpoint, readTrial, saveCheckpoint } from "../storage/trials";
import { loadModelCode, type ModelCode, trainTrial as runTraining } from "../training";
import type { TrainTrialInput, TrialOutcome } from "../workflows/definitions";
import { type AttemptScope, commitAttempt } from "./attempt-commit";
import { attemptStore, leaseHolderOf } from "./attempt-guard";
import { runCommandAttempt } from "./command-trial";
import type { ActivityDeps } from "./deps";
import { createPackTraining } from "./train-pack";
import {
  attemptError,
  cachedDataset,
  nonRetryableOnBadConfig,
  outcomeOf,
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
    const attemptOf = trial.config.model.type === "command" ? runCommandAttempt : runAttempt;
    const done = await readTrial(store, sweepId, trial.trialId).catch((e) => {
      throw toApplicationFailure(e);
    });
    if (done && isFinal(done)) return outcomeOf(done, input, true);
    const labels = trialLabelsOf(sweepId, trial);
    const started = Date.now();
    const attempt = ctx.info.attempt;
    let artifact: TrialArtifact;
    try {
      artifact = await attemptOf({ deps, store, signal, beat }, input, labels, attempt, started);
    } catch (error) {
      throw attemptError(deps, ctx, error, { labels: [labels], attempt, started, input });
    }
    deps.metrics?.trialFinished(labels, artifact.status, artifact.durationSeconds);
    if (artifact.status === "cancelled") throw new CancelledFailure("trial cancelled by the sweep");
    return outcomeOf(artifact, input, false);
  }
  return { trainTrial, trainTrials: createPackTraining(deps) };
}

/**
 * One attempt: claim the trial's lease, load data, resume from the newest checkpoint, train,
 * commit the curves. The claim comes first so that every checkpoint read after it is final
 * (a superseded attempt can no longer add one).
 */
async function runAttempt(
  scope: AttemptScope,
  input: TrainTrialInput,
  labels: TrialLabels,
  attempt: number,
  started: number,
): Promise<TrialArtifact> {
  const ctx = Context.current();
  const { deps, store } = scope;
  const { sweepId, trial } = input;
  const lease = await TrialLease.claim(store, sweepId, trial.trialId, leaseHolderOf(ctx));
  const data = await loadData(deps, store, input);
  const modelCode = await loadCode(deps, store, input);
  const checkpoint = usable(await latestCheckpoint(store, sweepId, trial.trialId));
  const hb = heartbeatFor(trial.trialId, attempt, checkpoint?.epoch);
  scope.beat.details = hb;
  const current = hb.attemptLog.at(-1)!;
  ctx.heartbeat(hb);
  deps.metrics?.trialStarted(labels, attempt);
  if (checkpoint) deps.metrics?.resumed(labels, checkpoint.epoch);

  const result = await nonRetryableOnBadConfig(() =>
    runTraining({
      trial: trial.config,
      data,
      signal: scope.signal,
      checkpointEvery: input.checkpointEvery,
      ...(checkpoint ? { resumeFrom: checkpoint.bytes } : {}),
      ...(modelCode ? { modelCode } : {}),
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
  return commitAttempt({ store, lease }, input, result, attempt, hb, started);
}
