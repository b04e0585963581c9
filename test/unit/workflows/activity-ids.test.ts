import { Client } from "@temporalio/client";
import { defaultPayloadConverter } from "@temporalio/common";
import { describe, expect, it } from "vitest";
import { runningTrials } from "../../../client/status";
import { ActivityIds, trialIdOfActivity } from "../../../workflows/activity-ids";

describe("activity ids from trial ids", () => {
  it("names the trial and stays unique within a run", () => {
    const ids = new ActivityIds();
    expect(ids.next("trial", "t-1a2b3c4d5e6f7a8b")).toBe("trial-t-1a2b3c4d5e6f7a8b");
    expect(ids.next("trial", "t-0000000000000001")).toBe("trial-t-0000000000000001");
    expect(ids.next("trial", "t-1a2b3c4d5e6f7a8b")).toBe("trial-t-1a2b3c4d5e6f7a8b#2");
    expect(ids.next("pack", "t-1a2b3c4d5e6f7a8b")).toBe("pack-t-1a2b3c4d5e6f7a8b");
    expect(new ActivityIds().next("trial", "t-1a2b3c4d5e6f7a8b")).toBe("trial-t-1a2b3c4d5e6f7a8b");
  });

  it("reads the trial id back, and nothing from legacy sequence numbers", () => {
    expect(trialIdOfActivity("trial-t-1a2b3c4d5e6f7a8b")).toBe("t-1a2b3c4d5e6f7a8b");
    expect(trialIdOfActivity("trial-t-1a2b3c4d5e6f7a8b#3")).toBe("t-1a2b3c4d5e6f7a8b");
    expect(trialIdOfActivity("3")).toBeUndefined();
    expect(trialIdOfActivity("pack-t-1a2b3c4d5e6f7a8b")).toBeUndefined();
    expect(trialIdOfActivity("rung-t-1a2b3c4d5e6f7a8b-r9")).toBe("t-1a2b3c4d5e6f7a8b");
    expect(trialIdOfActivity("rung-t-1a2b3c4d5e6f7a8b-r9-stop#2")).toBe("t-1a2b3c4d5e6f7a8b");
    expect(trialIdOfActivity(undefined)).toBeUndefined();
  });

  it("status names a queued trial before its first heartbeat, the heartbeat wins after", () => {
    // A client object is only needed for its data converter; it connects lazily, never here.
    const client = new Client();
    expect(runningTrials(client, { activityId: "trial-t-00000000000000aa", state: 1 })).toEqual([
      {
        trialId: "t-00000000000000aa",
        attempt: 1,
        queued: true,
      },
    ]);
    const payload = defaultPayloadConverter.toPayload({ trialId: "t-00000000000000bb", epoch: 4 });
    const beat = {
      activityId: "7",
      attempt: 2,
      state: 2,
      heartbeatDetails: { payloads: [payload] },
    };
    expect(runningTrials(client, beat)).toEqual([
      {
        trialId: "t-00000000000000bb",
        epoch: 4,
        attempt: 2,
        queued: false,
      },
    ]);
    expect(runningTrials(client, { activityId: "7", state: 1 })).toEqual([
      { attempt: 1, queued: true },
    ]);
  });
});
