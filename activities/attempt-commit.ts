import { ApplicationFailure, Context } from "@temporalio/activity";
import type { TrialArtifact } from "../storage/artifacts";
import { AttemptSupersededError, type TrialLease } from "../storage/lease";
import type { ArtifactStore } from "../storage/store";
import { writeTrial } from "../storage/trials";
import type { TrainResult } from "../training";
import type { TrainTrialInput } from "../workflows/definitions";
import { cancelledAsStale } from "./attempt-guard";
import type { ActivityDeps } from "./deps";
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
  result: Pick<TrainResult, "status" | "records" | "divergedAtEpoch" | "backend">,
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
  const artifact = toArtifact(input, result, attempt, hb, (Date.now() - started) / 1000);
  return writeTrial(at.store, artifact, at.lease);
}

function toArtifact(
  input: TrainTrialInput,
  result: Pick<TrainResult, "status" | "records" | "divergedAtEpoch" | "backend">,
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
