import { setTimeout as sleep } from "node:timers/promises";
import { ApplicationFailure, CancelledFailure, Context } from "@temporalio/activity";
import type { TrialArtifact } from "../storage/artifacts";
import { AttemptSupersededError, TrialBusyError, TrialLease } from "../storage/lease";
import type { ArtifactStore } from "../storage/store";
import { isFinal, readTrial, writeTrial } from "../storage/trials";
import type { TrainResult } from "../training";
import type { TrainTrialInput } from "../workflows/definitions";
import { cancelledAsStale, leaseHolderOf } from "./attempt-guard";
import type { ActivityDeps } from "./deps";
import { toArtifact } from "./trial-common";
import type { TrialHeartbeat } from "./trial-heartbeat";

/** What one attempt works with: the outage-enduring store and its heartbeat. */
export interface AttemptScope {
  deps: ActivityDeps;
  store: ArtifactStore;
  signal: AbortSignal;
  beat: { details?: TrialHeartbeat };
}

/**
 * Runs `train` under the trial's lease (claimed, renewed, released afterwards), or returns the
 * trial another sweep finished while this one waited for it (`reused`). Whatever trains a trial
 * (built in, command) goes through here, so sweeps sharing a trial train it once.
 */
export async function leasedAttempt<T>(
  scope: AttemptScope,
  trialId: string,
  train: (lease: TrialLease) => Promise<T>,
): Promise<{ ran: T } | { reused: TrialArtifact }> {
  const claimed = await claimOrWait(scope, trialId);
  if ("done" in claimed) return { reused: claimed.done };
  const { lease } = claimed;
  lease.startRenewing();
  try {
    return { ran: await train(lease) };
  } finally {
    await lease.release().catch(() => undefined);
  }
}

/** How long a claim outlives its last renewal: a few heartbeat timeouts, at least 15 s. */
function leaseTtlSeconds(ctx: Context): number {
  return Math.max(15, (3 * (ctx.info.heartbeatTimeoutMs ?? 30_000)) / 1000);
}

/** What claiming a trial needs: the attempt's store, its stop signal, its last heartbeat. */
export type ClaimScope = Pick<AttemptScope, "store" | "signal"> & { beat: { details?: unknown } };

/** A claim's outcome: the lease, or the trial already finished by another sweep. */
export type Claimed = { lease: TrialLease } | { done: TrialArtifact };

/**
 * One try at the trial's lease: `busy` while another activity's claim is live; `done` (no claim
 * kept) when another sweep finished it just before our claim.
 */
export async function tryClaim(
  scope: ClaimScope,
  trialId: string,
): Promise<Claimed | { busy: TrialBusyError }> {
  const ctx = Context.current();
  let lease: TrialLease;
  try {
    lease = await TrialLease.claim(scope.store, trialId, leaseHolderOf(ctx), {
      ttlSeconds: leaseTtlSeconds(ctx),
    });
  } catch (error) {
    if (error instanceof TrialBusyError) return { busy: error };
    throw error;
  }
  const stored = await readTrial(scope.store, trialId);
  if (stored && isFinal(stored)) {
    await lease.release();
    return { done: stored };
  }
  return { lease };
}

/**
 * The trial's lease, or the trial itself when another sweep finishes it meanwhile. While another
 * activity's claim is live (a concurrent sweep training the same trial) this waits, heartbeating,
 * and looks again every 2 s: the trial is trained once, and the waiter resumes from its
 * checkpoint should the holder stop without finishing.
 */
export async function claimOrWait(scope: ClaimScope, trialId: string): Promise<Claimed> {
  const ctx = Context.current();
  const { store, signal } = scope;
  for (let waited = false; ; waited = true) {
    if (waited) {
      ctx.heartbeat(scope.beat.details ?? ctx.info.heartbeatDetails);
      await sleep(2000, undefined, { signal }).catch(() => undefined);
      if (ctx.cancellationSignal.aborted)
        throw new CancelledFailure("trial cancelled by the sweep");
      if (signal.aborted) {
        throw ApplicationFailure.create({
          message: `worker shutting down while trial ${trialId} waited for another sweep`,
          type: "WorkerShutdown",
        });
      }
      // Finished by the holder: reused, without a claim of ours.
      const stored = await readTrial(store, trialId);
      if (stored && isFinal(stored)) return { done: stored };
    }
    const got = await tryClaim(scope, trialId);
    if (!("busy" in got)) return got;
    if (!waited) ctx.log.info(`${got.busy.message}; waiting for it`);
  }
}

/**
 * The end of an attempt, built-in or command: a worker shutdown fails retryably (the retry
 * resumes from the last checkpoint), a stale attempt stops as superseded, anything else is
 * committed under the lease. Returns the stored trial, which is another attempt's final result
 * if one committed first.
 */
export async function commitAttempt(
  at: { store: ArtifactStore; lease: TrialLease },
  input: TrainTrialInput,
  result: Pick<TrainResult, "records" | "divergedAtEpoch" | "backend"> & {
    status: TrialArtifact["status"];
  },
  attempt: number,
  hb: TrialHeartbeat,
  started: number,
): Promise<TrialArtifact> {
  const ctx = Context.current();
  if (result.status === "cancelled" && !ctx.cancellationSignal.aborted) {
    throw ApplicationFailure.create({
      message: `worker shutting down at epoch ${hb.epoch}; a retry resumes from epoch ${hb.checkpointEpoch ?? 0}`,
      type: "WorkerShutdown",
    });
  }
  if (result.status === "cancelled" && cancelledAsStale(ctx)) {
    throw new AttemptSupersededError(
      `trial ${input.trial.trialId}: attempt ${attempt} is no longer current (heartbeat refused)`,
    );
  }
  const seconds = (Date.now() - started) / 1000;
  const artifact = toArtifact(input.sweepId, input.trial, result, attempt, hb, seconds);
  return writeTrial(at.store, artifact, at.lease);
}
