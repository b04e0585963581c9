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

function previousHeartbeat(): TrialHeartbeat | undefined {
  const details = Context.current().info.heartbeatDetails as TrialHeartbeat | undefined;
  return details && typeof details.epoch === "number" ? details : undefined;
}

/** This attempt's heartbeat, carrying the resume history of earlier attempts forward. */
export function heartbeatFor(
  trialId: string,
  attempt: number,
  checkpointEpoch: number | undefined,
): TrialHeartbeat {
  const prior = previousHeartbeat();
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
