import { describe, expect, it } from "vitest";
import { nameOfId, pickSweep, type SweepListing } from "../../../client/list";
import { UsageError } from "../../../errors";

const sweep = (sweepId: string, name = nameOfId(sweepId)): SweepListing => ({
  sweepId,
  name,
  state: "completed",
  startTime: "2026-12-01T10:00:00.000Z",
});

describe("sweep lookup by name or id", () => {
  const sweeps = [sweep("my-mlp-c1fd9f4e"), sweep("momentum-1a2b3c4d"), sweep("mlp-lr-00aa11bb")];

  it("takes an id as is and a name of one sweep as that sweep", () => {
    expect(pickSweep("momentum-1a2b3c4d", sweeps)).toBe("momentum-1a2b3c4d");
    expect(pickSweep("my-mlp", sweeps)).toBe("my-mlp-c1fd9f4e");
    expect(nameOfId("mlp-lr-00aa11bb")).toBe("mlp-lr");
  });

  it("suggests near names (a UsageError: exit 2)", () => {
    const ref = "my-ml";
    expect(() => pickSweep(ref, sweeps)).toThrow(UsageError);
    expect(() => pickSweep(ref, sweeps)).toThrow(/did you mean my-mlp-c1fd9f4e\?/);
    expect(() => pickSweep("zzz", sweeps)).toThrow(
      /no sweep with id or name zzz; `hypersweep list`/,
    );
  });

  it("lists the candidates when several sweeps share a name", () => {
    const two = [...sweeps, sweep("my-mlp-99999999", "my-mlp")];
    expect(() => pickSweep("my-mlp", two)).toThrow(
      /several sweeps are named my-mlp; give the id: my-mlp-c1fd9f4e .*my-mlp-99999999/,
    );
  });
});
