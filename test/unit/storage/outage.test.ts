import { describe, expect, it } from "vitest";
import { endure, isTransientStoreError, StoreOutageError } from "../../../storage/outage";

const coded = (code: string) => Object.assign(new Error(code), { code });

describe("isTransientStoreError", () => {
  it("counts unreachable stores and 5xx answers as outages", () => {
    expect(isTransientStoreError(coded("ECONNREFUSED"))).toBe(true);
    expect(isTransientStoreError(coded("ETIMEDOUT"))).toBe(true);
    expect(isTransientStoreError(coded("ServiceUnavailable"))).toBe(true);
    expect(
      isTransientStoreError(
        new Error("Request failed after 1 retries: Error: Retryable HTTP status: 503"),
      ),
    ).toBe(true);
    // Node's happy-eyeballs connect reports an AggregateError of the per-address failures.
    expect(isTransientStoreError(new AggregateError([coded("ECONNREFUSED")], "connect"))).toBe(
      true,
    );
    expect(isTransientStoreError(new Error("wrapped", { cause: coded("ECONNRESET") }))).toBe(true);
  });

  it("treats answers about the request as faults, not outages", () => {
    for (const code of ["NoSuchKey", "PreconditionFailed", "AccessDenied", "InvalidAccessKeyId"]) {
      expect(isTransientStoreError(coded(code))).toBe(false);
    }
    expect(isTransientStoreError(new TypeError("bad argument"))).toBe(false);
  });
});

describe("endure", () => {
  it("retries a call through an outage and reports it once down and once up", async () => {
    let calls = 0;
    const events: string[] = [];
    let waits = 0;
    const value = await endure(
      async () => {
        calls += 1;
        if (calls < 3) throw coded("ECONNREFUSED");
        return "ok";
      },
      { budgetMs: 10_000, onWait: () => waits++, onOutage: (e) => events.push(e) },
    );
    expect(value).toBe("ok");
    expect(calls).toBe(3);
    expect(events).toEqual(["down", "up"]);
    expect(waits).toBeGreaterThanOrEqual(2);
  });

  it("does not retry the trial's own faults", async () => {
    let calls = 0;
    const denied = coded("AccessDenied");
    await expect(
      endure(
        async () => {
          calls += 1;
          throw denied;
        },
        { budgetMs: 10_000 },
      ),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  it("fails past the budget with a message that names the store and the setting", async () => {
    const failure = await endure(
      async () => {
        throw coded("ECONNREFUSED");
      },
      { budgetMs: 600 },
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StoreOutageError);
    expect((failure as Error).message).toMatch(
      /S3 store unavailable .*HYPERSWEEP_OUTAGE_BUDGET_SECONDS.*ECONNREFUSED/,
    );
  });

  it("stops waiting when its signal is aborted", async () => {
    const stop = new AbortController();
    const reason = new Error("cancelled");
    const waiting = endure(
      async () => {
        throw coded("ECONNREFUSED");
      },
      { budgetMs: 60_000, signal: stop.signal, onWait: () => stop.abort(reason) },
    );
    await expect(waiting).rejects.toBe(reason);
  });
});

describe("endure while a call is in flight", () => {
  it("calls onWait every second of a slow call, so the attempt keeps heartbeating", async () => {
    let waits = 0;
    const value = await endure(
      () => new Promise((resolve) => setTimeout(() => resolve("ok"), 2500)),
      {
        budgetMs: 10_000,
        onWait: (_ms, error) => {
          expect(error).toBeUndefined();
          waits++;
        },
      },
    );
    expect(value).toBe("ok");
    expect(waits).toBe(2);
  });
});
