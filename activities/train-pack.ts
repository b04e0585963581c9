import { ApplicationFailure, CancelledFailure, Context } from "@temporalio/activity";
import { toApplicationFailure } from "../errors";
import { type TrialLabels, trialLabelsOf } from "../metrics";
import type { TrialSpec } from "../spec/types";
import type { TrialArtifact } from "../storage/artifacts";
import { AttemptSupersededError, TrialLease } from "../storage/lease";
import type { ArtifactStore } from "../storage/store";
import {
  isFinal,
  latestCheckpoint,
  readTrial,
  saveCheckpoint,
  writeTrial,
} from "../storage/trials";
import { type TrainResult, trainPack } from "../training";
import type { PackCancelDetails, TrainTrialsInput, TrialOutcome } from "../workflows/definitions";
import { attemptStore, cancelledAsStale, leaseHolderOf } from "./attempt-guard";
import type { ActivityDeps } from "./deps";
import {
  attemptError,
  cachedDataset,
  nonRetryableOnBadConfig,
  outcomeOf,
  toArtifact,
  usable,
} from "./trial-common";
import { heartbeatFor, type PackHeartbeat } from "./trial-heartbeat";

/** S3 requests of a pack in flight at once (per-trial reads, claims, checkpoints, commits). */
const STORE_CONCURRENCY = 16;

/** `fn` over `items`, at most STORE_CONCURRENCY at a time; results in order. */
async function eachLimited<T, R>(items: readonly T[], fn: (item: T, i: number) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(STORE_CONCURRENCY, items.length) }, run));
  return out;
}

/** Heartbeats at most this often: a pack's heartbeat holds every trial, and epochs are short. */
const BEAT_MS = 500;

/** Factory for the packed training activity (`trainTrials`). */
export function createPackTraining(deps: ActivityDeps) {
  /**
   * Trains a pack of compatible trials as one batched computation (`training/trainPack`), each
   * trial with the durable contract of `trainTrial`: trials whose final curves are already in
   * the bucket are returned, not retrained; every other trial claims its own fencing lease,
   * resumes from its own newest checkpoint, checkpoints and commits only under that lease, and
   * is committed as soon as its result is final. Heartbeats (at most every 0.5 s, and at each
   * checkpoint) carry every trial's epoch, checkpoint and attempt history. A diverged trial is
   * a result and leaves the pack. Cancelled by the sweep: partial curves kept, and the failure's
   * details list the trials already finished. Worker shutdown: checkpoints, commits the
   * finished trials, fails retryably. S3 outages are waited out as in `trainTrial`.
   */
  return async function trainTrials(input: TrainTrialsInput): Promise<TrialOutcome[]> {
    const { sweepId, trials } = input;
    const ctx = Context.current();
    const beat: { details?: PackHeartbeat } = {};
    const signal = AbortSignal.any([ctx.cancellationSignal, deps.shutdown]);
    const store = attemptStore(deps, ctx, signal, () => beat.details ?? ctx.info.heartbeatDetails);
    // Alive at once: a pack's reads and claims take a while before its own first heartbeat.
    ctx.heartbeat(ctx.info.heartbeatDetails);
    const stored = await eachLimited(trials, (t) => readTrial(store, sweepId, t.trialId)).catch(
      (e) => {
        throw toApplicationFailure(e);
      },
    );
    const outcomes = new Map<string, TrialOutcome>();
    stored.forEach((a) => {
      if (a && isFinal(a)) outcomes.set(a.trialId, outcomeOf(a, input, true));
    });
    const todo = trials.filter((t) => !outcomes.has(t.trialId));
    if (todo.length > 0) {
      const labels = todo.map((t) => trialLabelsOf(sweepId, t));
      const started = Date.now();
      const attempt = ctx.info.attempt;
      let artifacts: TrialArtifact[];
      try {
        artifacts = await runPackAttempt({ deps, store, signal, beat }, input, todo, labels);
      } catch (error) {
        throw attemptError(deps, ctx, error, { labels, attempt, started, input });
      }
      let cancelled = false;
      artifacts.forEach((a, i) => {
        deps.metrics?.trialFinished(labels[i]!, a.status, a.durationSeconds);
        if (a.status === "cancelled") cancelled = true;
        else outcomes.set(a.trialId, outcomeOf(a, input, false));
      });
      if (cancelled) {
        const details: PackCancelDetails = { finished: [...outcomes.values()] };
        throw new CancelledFailure("trials cancelled by the sweep", [details]);
      }
    }
    return trials.map((t) => outcomes.get(t.trialId)!);
  };
}

interface PackScope {
  deps: ActivityDeps;
  store: ArtifactStore;
  signal: AbortSignal;
  beat: { details?: PackHeartbeat };
}

/**
 * One attempt of a pack: claim every trial's lease, load the data once, resume each trial from
 * its newest checkpoint, train them together, commit each trial's curves under its lease.
 */
async function runPackAttempt(
  scope: PackScope,
  input: TrainTrialsInput,
  trials: TrialSpec[],
  labels: TrialLabels[],
): Promise<TrialArtifact[]> {
  const ctx = Context.current();
  const { deps, store } = scope;
  const { sweepId } = input;
  const attempt = ctx.info.attempt;
  const started = Date.now();
  const holder = leaseHolderOf(ctx);
  const leases = await eachLimited(trials, (t) =>
    TrialLease.claim(store, sweepId, t.trialId, holder),
  );
  ctx.heartbeat(ctx.info.heartbeatDetails);
  const data = await cachedDataset(deps, store, trials[0]!.config.dataset);
  const checkpoints = await eachLimited(trials, async (t) =>
    usable(await latestCheckpoint(store, sweepId, t.trialId)),
  );
  const hb: PackHeartbeat = {
    packId: input.packId,
    trials: trials.map((t, i) => heartbeatFor(t.trialId, attempt, checkpoints[i]?.epoch)),
  };
  scope.beat.details = hb;
  let lastBeat = Date.now();
  const beat = (now = false) => {
    if (!now && Date.now() - lastBeat < BEAT_MS) return;
    lastBeat = Date.now();
    ctx.heartbeat(hb);
  };
  beat(true);
  trials.forEach((_, i) => {
    deps.metrics?.trialStarted(labels[i]!, attempt);
    const from = checkpoints[i]?.epoch;
    if (from !== undefined) deps.metrics?.resumed(labels[i]!, from);
  });

  const artifactOf = (i: number, result: TrainResult): TrialArtifact => ({
    ...toArtifact(
      sweepId,
      trials[i]!,
      // Packs train to the end: never `paused` (no untilEpoch).
      { ...result, status: result.status as TrialArtifact["status"] },
      attempt,
      hb.trials[i]!,
      (Date.now() - started) / 1000,
    ),
    packSize: input.trials.length,
  });
  // Final trials are committed at once (a linear trial of a pack finishes long before the last).
  const commits = new Map<number, Promise<TrialArtifact>>();
  const results = await nonRetryableOnBadConfig(() =>
    trainPack({
      trials: trials.map((t) => t.config),
      data,
      signal: scope.signal,
      checkpointEvery: input.checkpointEvery,
      resumeFrom: checkpoints.map((c) => c?.bytes),
      onEpoch: (i, record) => {
        const h = hb.trials[i]!;
        h.epoch = record.epoch;
        h.attemptLog.at(-1)!.reachedEpoch = record.epoch;
        deps.metrics?.epoch(labels[i]!, record);
        beat();
      },
      onCheckpoint: async (i, bytes, epoch) => {
        await saveCheckpoint(store, leases[i]!, epoch, bytes);
        hb.trials[i]!.checkpointEpoch = epoch;
        deps.metrics?.checkpointWritten(labels[i]!);
        beat(true);
      },
      onFinish: (i, result) => {
        const commit = writeTrial(store, artifactOf(i, result), leases[i]);
        commit.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
        commits.set(i, commit);
      },
    }),
  );
  const finished = await Promise.all(commits.values());
  const interrupted = results.some((r) => r.status === "cancelled");
  if (interrupted && !ctx.cancellationSignal.aborted) {
    const at = hb.trials.map((h) => h.checkpointEpoch ?? 0);
    throw ApplicationFailure.create({
      message: `worker shutting down: ${finished.length} of ${trials.length} trials of ${input.packId} committed; a retry resumes the others from epochs ${Math.min(...at)}–${Math.max(...at)}`,
      type: "WorkerShutdown",
    });
  }
  if (interrupted && cancelledAsStale(ctx)) {
    throw new AttemptSupersededError(
      `${input.packId}: attempt ${attempt} is no longer current (heartbeat refused)`,
    );
  }
  // The sweep's cancel: the partial curves are kept as `cancelled`.
  return eachLimited(trials, (_, i) => {
    const commit = commits.get(i);
    return commit ?? writeTrial(store, artifactOf(i, results[i]!), leases[i]);
  });
}
