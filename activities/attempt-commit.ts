import { ApplicationFailure, Context } from "@temporalio/activity";
import type { TrialArtifact } from "../storage/artifacts";
import { AttemptSupersededError, type TrialLease } from "../storage/lease";
import type { ArtifactStore } from "../storage/store";
import { writeTrial } from "../storage/trials";
import type { TrainResult } from "../training";
import type { TrainTrialInput } from "../workflows/definitions";
import { cancelledAsStale } from "./attempt-guard";
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
