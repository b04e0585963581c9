import { Context } from "@temporalio/activity";

/** What each heartbeat carries; the next attempt reads the last one back. */
export interface TrialHeartbeat {
  trialId: string;
  epoch: number;
  checkpointEpoch?: number;
  resumedFromEpochs: number[];
  attemptLog: AttemptRecord[];
}

/** Per attempt: where it resumed and how far it got (proves bounded re-training). */
export interface AttemptRecord {
  attempt: number;
  resumedFromEpoch: number;
  reachedEpoch: number;
}

/** A packed activity's heartbeat: one entry per trial it is still training. */
export interface PackHeartbeat {
  packId: string;
  trials: TrialHeartbeat[];
}

/** The previous attempt's last heartbeat of `trialId` (solo or inside a pack). */
function previousHeartbeat(trialId: string): TrialHeartbeat | undefined {
  const details = Context.current().info.heartbeatDetails as
    | TrialHeartbeat
    | PackHeartbeat
    | undefined;
  if (details && "trials" in details && Array.isArray(details.trials)) {
    return details.trials.find((t) => t.trialId === trialId && typeof t.epoch === "number");
  }
  return details && typeof (details as TrialHeartbeat).epoch === "number"
    ? (details as TrialHeartbeat)
    : undefined;
}

/** This attempt's heartbeat, carrying the resume history of earlier attempts forward. */
export function heartbeatFor(
  trialId: string,
  attempt: number,
  checkpointEpoch: number | undefined,
): TrialHeartbeat {
  const prior = previousHeartbeat(trialId);
  const from = checkpointEpoch ?? 0;
  return {
    trialId,
    epoch: from,
    ...(checkpointEpoch === undefined ? {} : { checkpointEpoch }),
    resumedFromEpochs: [
      ...(prior?.resumedFromEpochs ?? []),
      ...(checkpointEpoch === undefined ? [] : [from]),
    ],
    attemptLog: [
      ...(prior?.attemptLog ?? []),
      { attempt, resumedFromEpoch: from, reachedEpoch: from },
    ],
  };
}
