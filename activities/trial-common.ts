/** What the solo and the packed training activities share: results, errors, data, artefacts. */
import { ApplicationFailure, CancelledFailure, type Context } from "@temporalio/activity";
import { toApplicationFailure } from "../errors";
import type { TrialLabels } from "../metrics";
import { lineageIdOf } from "../spec";
import type { DatasetConfig, EpochRecord, TrialSpec } from "../spec/types";
import type { TrialArtifact } from "../storage/artifacts";
import { sourceReader } from "../storage/datasets";
import type { ArtifactStore } from "../storage/store";
import {
  adoptLegacyTrial,
  isFinal,
  isMarkedFresh,
  joinLineage,
  latestCheckpoint,
  lineageCheckpoint,
  linkTrial,
  readTrial,
} from "../storage/trials";
import { decodeCheckpoint, loadDataset, type TrainResult } from "../training";
import type { TrainTrialInput, TrialFailureDetails, TrialOutcome } from "../workflows/definitions";
import { isSuperseded } from "./attempt-guard";
import type { ActivityDeps } from "./deps";
import type { TrialHeartbeat } from "./trial-heartbeat";

export function objectiveOf(
  records: EpochRecord[],
  metric: TrainTrialInput["objective"]["metric"],
) {
  const v = records.at(-1)?.[metric];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

export function outcomeOf(
  a: TrialArtifact,
  input: Pick<TrainTrialInput, "objective">,
  reused: boolean,
): TrialOutcome {
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

/** The trial's dataset, from the worker's cache (one load per dataset, shared by its trials). */
export async function cachedDataset(
  deps: ActivityDeps,
  store: ArtifactStore,
  dataset: DatasetConfig,
) {
  try {
    return await deps.data.get(JSON.stringify(dataset), () =>
      loadDataset(dataset, sourceReader(store)),
    );
  } catch (error) {
    throw toApplicationFailure(error);
  }
}

/**
 * The error as an `ApplicationFailure` (ours converted by `toApplicationFailure`; message, type,
 * retryability, details and cause kept) with this attempt added to its details, so the sweep
 * records the attempts a failed trial really made. Cancellation passes through untouched.
 */
export function withAttempt(error: unknown, attempt: number): unknown {
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

/** A checkpoint that cannot be decoded is ignored: the trial restarts rather than failing forever. */
export function usable<T extends { bytes: Uint8Array }>(checkpoint: T | undefined): T | undefined {
  if (!checkpoint) return undefined;
  try {
    decodeCheckpoint(checkpoint.bytes);
    return checkpoint;
  } catch {
    return undefined;
  }
}

/**
 * The trial as stored (trained by this sweep or any other, or a finished one an older bucket
 * kept under this sweep), after linking it to this sweep so the sweep's results list it. Every
 * training activity (solo, pack, command) starts each of its trials here.
 */
export async function findTrial(store: ArtifactStore, sweepId: string, trial: TrialSpec) {
  await linkTrial(store, sweepId, trial);
  const stored = await readTrial(store, trial.trialId);
  if (stored && isFinal(stored)) return stored;
  return (await adoptLegacyTrial(store, sweepId, trial.trialId)) ?? stored;
}

/**
 * Where an attempt of a built-in trial starts: its own newest checkpoint; else, for a trial that
 * needs more epochs than another of its lineage (same settings but epochs) already trained, that
 * one's newest checkpoint at or below its epochs (or `upTo`), unless the trial was forgotten for
 * a retrain; else nothing (epoch 0). Joins the lineage first.
 */
export async function startingPoint(store: ArtifactStore, trial: TrialSpec, upTo?: number) {
  const own = usable(await latestCheckpoint(store, trial.trialId));
  const lineage = lineageIdOf(trial.config);
  const self = { trialId: trial.trialId, epochs: trial.config.epochs };
  await joinLineage(store, lineage, self);
  if (own) return own;
  // An early-stopping segment (training to `upTo`) takes nothing past its own end.
  const limit = { ...self, epochs: Math.min(upTo ?? self.epochs, self.epochs) };
  const found = await lineageCheckpoint(
    store,
    lineage,
    limit,
    (b) => usable({ bytes: b }) !== undefined,
  );
  // Forgotten for a retrain (`run --retrain`): from epoch 0, not from a lineage's checkpoint
  // (asked only when there is one, so most trials spend no request on it).
  if (found && (await isMarkedFresh(store, trial.trialId))) return undefined;
  return found;
}

export async function nonRetryableOnBadConfig<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toApplicationFailure(error);
  }
}

export function toArtifact(
  sweepId: string,
  trial: TrialSpec,
  result: Pick<TrainResult, "records" | "divergedAtEpoch" | "backend"> & {
    status: TrialArtifact["status"];
  },
  attempt: number,
  hb: TrialHeartbeat,
  seconds: number,
): TrialArtifact {
  return {
    sweepId,
    trialId: trial.trialId,
    params: trial.params,
    config: trial.config,
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

/**
 * What a failed attempt throws, its metrics counted: a superseded attempt (a newer one owns the
 * trials) is not their failure and passes through; otherwise the error carries the attempt, and
 * trials that will not run again count as failed.
 */
export function attemptError(
  deps: ActivityDeps,
  ctx: Context,
  error: unknown,
  at: {
    labels: TrialLabels[];
    attempt: number;
    started: number;
    input: Pick<TrainTrialInput, "maximumAttempts">;
  },
): unknown {
  if (isSuperseded(error)) {
    ctx.log.warn(`${(error as Error).message}; stopping without writing`);
    return toApplicationFailure(error);
  }
  const final =
    (error instanceof ApplicationFailure && error.nonRetryable) ||
    at.attempt >= (at.input.maximumAttempts ?? Number.POSITIVE_INFINITY);
  for (const labels of at.labels) {
    if (final) deps.metrics?.trialFinished(labels, "failed", (Date.now() - at.started) / 1000);
    else deps.metrics?.attemptFailed(labels);
  }
  return withAttempt(error, at.attempt);
}
