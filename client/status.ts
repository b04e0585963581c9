import type { Client } from "@temporalio/client";
import { trialIdOfActivity } from "../workflows/activity-ids";
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

type Beat = { trialId?: string; epoch?: number };

/**
 * A pending training activity as its running trials: one (solo), or every trial a pack's last
 * heartbeat lists; a pack not yet started counts its trials from its id (`pack-<id>-<n>`).
 */
export function runningTrials(
  client: Client,
  activity: {
    heartbeatDetails?: { payloads?: unknown[] | null } | null;
    attempt?: number | null;
    activityId?: string | null;
    state?: number | null;
  },
): RunningTrial[] {
  const payload = activity.heartbeatDetails?.payloads?.[0];
  let details: (Beat & { trials?: Beat[] }) | undefined;
  try {
    details = payload
      ? (client.options.loadedDataConverter.payloadConverter.fromPayload(
          payload as never,
        ) as typeof details)
      : undefined;
  } catch {
    details = undefined;
  }
  const base = { attempt: activity.attempt ?? 1, queued: activity.state === SCHEDULED };
  const named = (d: Beat | undefined): RunningTrial => ({
    ...(d?.trialId === undefined ? {} : { trialId: d.trialId }),
    ...(d?.epoch === undefined ? {} : { epoch: d.epoch }),
    ...base,
  });
  if (Array.isArray(details?.trials)) return details.trials.map(named);
  const packSize = /^pack-.+-(\d+)$/.exec(activity.activityId ?? "")?.[1];
  if (!details && packSize) return Array.from({ length: Number(packSize) }, () => named(undefined));
  // Before the first heartbeat only the activity id names a solo trial (sweeps started by older
  // code used sequence numbers: such a trial stays unnamed until it heartbeats).
  const trialId = details?.trialId ?? trialIdOfActivity(activity.activityId);
  return [named(trialId === undefined ? details : { ...details, trialId })];
}
