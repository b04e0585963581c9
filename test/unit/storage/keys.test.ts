import { describe, expect, it } from "vitest";
import { checkpointEpoch, lineageKeys, trialKeys } from "../../../storage/keys";

describe("object keys", () => {
  it("a lineage member's key names its trial, and only a member key of that lineage does", () => {
    const keys = lineageKeys("l-0123abcd");
    const member = keys.member("t-78ca1d595fcaf19c");
    expect(member).toBe("lineages/l-0123abcd/t-78ca1d595fcaf19c.json");
    expect(keys.trialIdOf(member)).toBe("t-78ca1d595fcaf19c");
    expect(keys.trialIdOf("lineages/l-other/t-78ca1d595fcaf19c.json")).toBeUndefined();
    expect(keys.trialIdOf("lineages/l-0123abcd/t-78ca1d595fcaf19c.txt")).toBeUndefined();
    expect(keys.trialIdOf("lineages/l-0123abcd/a/b.json")).toBeUndefined();
  });

  it("a trial's retrain marker and checkpoints live under its own id", () => {
    const keys = trialKeys("t-1");
    expect(keys.fresh).toBe("trials/t-1/fresh.json");
    expect(checkpointEpoch(keys.checkpoint(12))).toBe(12);
    expect(checkpointEpoch(keys.fresh)).toBeUndefined();
  });
});
