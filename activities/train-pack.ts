import { ApplicationFailure, CancelledFailure, Context } from "@temporalio/activity";
import { toApplicationFailure } from "../errors";
import { type TrialLabels, trialLabelsOf } from "../metrics";
import type { TrialSpec } from "../spec/types";
import type { TrialArtifact } from "../storage/artifacts";
import { eachLimited } from "../storage/each-limited";
import { AttemptSupersededError, type TrialLease } from "../storage/lease";
import type { ArtifactStore } from "../storage/store";
import { isFinal, saveCheckpoint, writeTrial } from "../storage/trials";
import { type TrainResult, trainPack } from "../training";
import type { PackCancelDetails, TrainTrialsInput, TrialOutcome } from "../workflows/definitions";
import { type Claimed, type ClaimScope, claimOrWait, tryClaim } from "./attempt-commit";
import { attemptStore, cancelledAsStale } from "./attempt-guard";
import type { ActivityDeps } from "./deps";
import {
  attemptError,
  cachedDataset,
  findTrial,
  nonRetryableOnBadConfig,
  outcomeOf,
  startingPoint,
  toArtifact,
} from "./trial-common";
import { heartbeatFor, type PackHeartbeat } from "./trial-heartbeat";

/** Heartbeats at most this often: a pack's heartbeat holds every trial, and epochs are short. */
const BEAT_MS = 500;

/** Factory for the packed training activity (`trainTrials`). */
export function createPackTraining(deps: ActivityDeps) {
  /**
   * Trains a pack of compatible trials as one batched computation (`training/trainPack`), each
   * trial with the durable contract of `trainTrial`: every trial is linked to the sweep; trials
   * whose final curves are already in the bucket (trained by any sweep) are returned, not
   * retrained; every other trial claims its own fencing lease (waiting for it while another
   * sweep trains it, see `claimPack`), resumes from its own newest checkpoint (or a shorter
   * trial's of its lineage), checkpoints and commits only under that lease, and
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
    const stored = await eachLimited(trials, (t) => findTrial(store, sweepId, t)).catch((e) => {
      throw toApplicationFailure(e);
    });
    const outcomes = new Map<string, TrialOutcome>();
    stored.forEach((a) => {
      if (a && isFinal(a)) outcomes.set(a.trialId, outcomeOf(a, input, true));
    });
    const todo = trials.filter((t) => !outcomes.has(t.trialId));
    if (todo.length > 0) {
      const scope = { deps, store, signal, beat };
      let labels = todo.map((t) => trialLabelsOf(sweepId, t));
      const started = Date.now();
      const attempt = ctx.info.attempt;
      let artifacts: TrialArtifact[];
      const leases: TrialLease[] = [];
      try {
        const claims = await claimPack(scope, todo);
        const train: TrialSpec[] = [];
        claims.forEach((c, i) => {
          // Another sweep trained it while this one waited: reused, not trained here.
          if ("done" in c) outcomes.set(c.done.trialId, outcomeOf(c.done, input, true));
          else {
            train.push(todo[i]!);
            leases.push(c.lease);
          }
        });
        labels = train.map((t) => trialLabelsOf(sweepId, t));
        artifacts =
          train.length === 0 ? [] : await runPackAttempt(scope, input, train, labels, leases);
      } catch (error) {
        // Cancelled by the sweep while it waited for another sweep's claim: not a failure.
        if (error instanceof CancelledFailure) throw error;
        throw attemptError(deps, ctx, error, { labels, attempt, started, input });
      } finally {
        await Promise.all(leases.map((l) => l.release().catch(() => undefined)));
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
 * Every trial's lease (renewed until released), or the trial where another sweep finished it
 * meanwhile. All are tried at once; should another sweep hold any, ours are let go and the
 * trials are claimed one by one in trial-id order, each waited for (`claimOrWait`). A pack
 * waits only there and a solo trial waits holding nothing, so two activities sharing trials
 * never wait on each other.
 */
async function claimPack(scope: ClaimScope, trials: TrialSpec[]): Promise<Claimed[]> {
  const first = await eachLimited(trials, (t) => tryClaim(scope, t.trialId));
  const leasesOf = (cs: (Claimed | object | undefined)[]) =>
    cs.flatMap((c) => (c && "lease" in c ? [c.lease as TrialLease] : []));
  if (first.every((c) => !("busy" in c))) {
    for (const lease of leasesOf(first)) lease.startRenewing();
    return first as Claimed[];
  }
  await Promise.all(leasesOf(first).map((l) => l.release().catch(() => undefined)));
  const out: Claimed[] = new Array(trials.length);
  const order = trials.map((_, i) => i);
  order.sort((a, b) => (trials[a]!.trialId < trials[b]!.trialId ? -1 : 1));
  try {
    for (const i of order) {
      const claimed = await claimOrWait(scope, trials[i]!.trialId);
      if ("lease" in claimed) claimed.lease.startRenewing();
      out[i] = claimed;
    }
  } catch (error) {
    await Promise.all(leasesOf(out).map((l) => l.release().catch(() => undefined)));
    throw error;
  }
  return out;
}

/**
 * One attempt of a pack, every trial's lease held (`leases[i]` is `trials[i]`'s): load the data
 * once, resume each trial from its starting point, train them together, commit each trial's
 * curves under its lease.
 */
async function runPackAttempt(
  scope: PackScope,
  input: TrainTrialsInput,
  trials: TrialSpec[],
  labels: TrialLabels[],
  leases: TrialLease[],
): Promise<TrialArtifact[]> {
  const ctx = Context.current();
  const { deps, store } = scope;
  const { sweepId } = input;
  const attempt = ctx.info.attempt;
  const started = Date.now();
  ctx.heartbeat(ctx.info.heartbeatDetails);
  const data = await cachedDataset(deps, store, trials[0]!.config.dataset);
  const checkpoints = await eachLimited(trials, (t) => startingPoint(store, t));
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
