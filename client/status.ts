import type { Client } from "@temporalio/client";
import type { SweepProgress, SweepResult } from "../workflows/definitions";

/** Epoch and attempt of a running trial, read from its activity's last heartbeat. */
export interface RunningTrial {
  trialId?: string;
  epoch?: number;
  attempt: number;
  /** Scheduled but no worker has picked it up yet (no poller on its pool, or all busy). */
  queued: boolean;
}

/** `PENDING_ACTIVITY_STATE_SCHEDULED`: waiting in the task queue, not started by a worker. */
const SCHEDULED = 1;

export type SweepStatus =
  | { state: "running"; progress: SweepProgress; trials: RunningTrial[] }
  | { state: "completed"; result: SweepResult }
  | { state: "failed" | "terminated" | "timed-out" | "cancelled"; message: string };

/** `TIMED_OUT` → `timed-out`. */
export function stateName(state: string): string {
  return state.toLowerCase().replaceAll("_", "-");
}

/** A pending training activity as a running trial (its epoch from the last heartbeat). */
export function runningTrial(
  client: Client,
  activity: {
    heartbeatDetails?: { payloads?: unknown[] | null } | null;
    attempt?: number | null;
    activityId?: string | null;
    state?: number | null;
  },
): RunningTrial {
  const payload = activity.heartbeatDetails?.payloads?.[0];
  let details: { trialId?: string; epoch?: number } | undefined;
  try {
    details = payload
      ? (client.options.loadedDataConverter.payloadConverter.fromPayload(payload as never) as {
          trialId?: string;
          epoch?: number;
        })
      : undefined;
  } catch {
    details = undefined;
  }
  // Before the first heartbeat the trial is unnamed (activity ids are not trial ids).
  return {
    ...(details?.trialId === undefined ? {} : { trialId: details.trialId }),
    ...(details?.epoch === undefined ? {} : { epoch: details.epoch }),
    attempt: activity.attempt ?? 1,
    queued: activity.state === SCHEDULED,
  };
}
