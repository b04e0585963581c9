import { ApplicationFailure, type Context } from "@temporalio/activity";
import { AttemptSupersededError, type LeaseHolder } from "../storage/lease";
import type { ArtifactStore } from "../storage/store";
import type { ActivityDeps } from "./deps";

/** Default for HYPERSWEEP_OUTAGE_BUDGET_SECONDS: minutes, so a store restart never fails a trial. */
export const DEFAULT_OUTAGE_BUDGET_SECONDS = 300;

/** The attempt as a lease holder: a retry of the same activity has a higher attempt number. */
export function leaseHolderOf(ctx: Context): LeaseHolder {
  const { info } = ctx;
  return {
    workflowId: info.workflowExecution?.workflowId ?? "",
    runId: info.workflowExecution?.runId ?? "",
    activityId: info.activityId,
    attempt: info.attempt,
    worker: `${info.taskQueue}/pid ${process.pid}`,
  };
}

/**
 * The store as one attempt sees it: S3 outages are waited out (heartbeating with `details()`,
 * so Temporal does not time the attempt out) for up to the outage budget, apart from the
 * trial's own retry budget.
 */
export function attemptStore(
  deps: ActivityDeps,
  ctx: Context,
  signal: AbortSignal,
  details: () => unknown,
): ArtifactStore {
  const budgetSeconds = deps.outageBudgetSeconds ?? DEFAULT_OUTAGE_BUDGET_SECONDS;
  return deps.store.enduring({
    budgetMs: budgetSeconds * 1000,
    signal,
    onWait: () => ctx.heartbeat(details()),
    onOutage: (event, waitedMs, error) => {
      const beat = details() as { trialId?: string; packId?: string } | undefined;
      const trial = beat?.trialId ?? beat?.packId;
      if (event === "down") {
        const why = (error as { code?: string; message?: string })?.code ?? String(error);
        ctx.log.warn(
          `S3 unavailable (${why}): trial ${trial} waits up to ${budgetSeconds} s; the attempt is not spent`,
        );
      } else {
        ctx.log.warn(`S3 back after ${Math.round(waitedMs / 1000)} s: trial ${trial} goes on`);
      }
    },
  });
}

/**
 * True when the attempt was cancelled because Temporal no longer counts it as the current one
 * (heartbeat timed out or unknown, activity reset or paused), not because the sweep asked.
 */
export function cancelledAsStale(ctx: Context): boolean {
  const details = ctx.cancellationDetails;
  return ctx.cancellationSignal.aborted && details !== undefined && !details.cancelRequested;
}

/** Whether an attempt's error says a newer attempt owns the trial (raw or already converted). */
export function isSuperseded(error: unknown): boolean {
  return (
    error instanceof AttemptSupersededError ||
    (error instanceof ApplicationFailure && error.type === AttemptSupersededError.name)
  );
}
