/**
 * A MinIO that stops answering without closing its connections (SIGSTOP: a frozen process, a
 * suspended VM) must look like an outage, not a hang: requests time out, the enduring store
 * waits with its heartbeat callback running, and the call succeeds once MinIO is back.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { isOurProcess, readPidRecord } from "../../infra/stack/process";
import { ArtifactStore } from "../../storage/store";
import { RUN, testConfig } from "./support/harness";

const config = testConfig();
const FROZEN_MS = 12_000;
const TIMEOUT_SECONDS = 2;

/** This test stack's MinIO (its own pid record: never another stack's process). */
function minioPid(): number {
  const record = readPidRecord(config.stateDir, "minio");
  if (!record || !isOurProcess(record)) throw new Error(`no MinIO of ${config.stateDir} running`);
  return record.pid;
}

let frozen: number | undefined;
afterAll(() => {
  if (frozen !== undefined) process.kill(frozen, "SIGCONT");
});

describe("S3 request deadlines", () => {
  it("a frozen MinIO is waited out as an outage, heartbeating, and the write lands after SIGCONT", async () => {
    const store = new ArtifactStore({ ...config.s3, requestTimeoutSeconds: TIMEOUT_SECONDS });
    const key = `tests/store-timeouts/${RUN}.txt`;
    await store.putBytes(key, "before", "text/plain"); // a keep-alive connection now exists
    const events: { event: string; error: string }[] = [];
    let waits = 0;
    const enduring = store.enduring({
      budgetMs: 120_000,
      onWait: () => {
        waits++;
      },
      onOutage: (event, _ms, error) => {
        events.push({ event, error: String((error as Error | undefined)?.message ?? "") });
      },
    });

    const pid = minioPid();
    process.kill(pid, "SIGSTOP");
    frozen = pid;
    const started = Date.now();
    const write = enduring.putBytes(key, "after", "text/plain");
    await sleep(FROZEN_MS);
    // While MinIO is frozen the request has already failed as a timeout and is being waited out.
    expect(events[0]).toMatchObject({ event: "down" });
    expect(events[0]?.error).toContain(`no answer from S3`);
    expect(waits).toBeGreaterThanOrEqual(3);
    process.kill(pid, "SIGCONT");
    frozen = undefined;

    await write;
    expect(Date.now() - started).toBeGreaterThanOrEqual(FROZEN_MS);
    expect(events.at(-1)?.event).toBe("up");
    expect(await store.getText(key)).toBe("after");
    await store.remove([key]);
  });
});
