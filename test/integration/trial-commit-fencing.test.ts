/**
 * The final write of a trial on real MinIO, with a stale attempt frozen at the worst moments:
 * just before its first trial write after its lease check, and between its commit and its CSV.
 * Whatever the interleaving, `curves.json` and `curves.csv` end up the newest attempt's.
 */
import { describe, expect, it } from "vitest";
import type { TrialArtifact } from "../../storage/artifacts";
import { trialKeys } from "../../storage/keys";
import { AttemptSupersededError, type LeaseHolder, TrialLease } from "../../storage/lease";
import { ArtifactStore, type PutCondition } from "../../storage/store";
import { curvesToCsv, readTrial, writeTrial } from "../../storage/trials";
import { RUN, testConfig } from "./support/harness";

/** A real store whose PUTs of one key wait for `release()` once armed: a frozen process. */
class FreezableStore extends ArtifactStore {
  #frozenKey: string | undefined;
  #release: (() => void) | undefined;
  #reached: (() => void) | undefined;
  reached: Promise<void> = Promise.resolve();

  /** The next PUT of `key` stops before it is sent, until `release()`. */
  freezeBefore(key: string): void {
    this.#frozenKey = key;
    this.reached = new Promise((resolve) => {
      this.#reached = resolve;
    });
  }

  release(): void {
    this.#frozenKey = undefined;
    this.#release?.();
  }

  override async putBytes(
    key: string,
    body: Uint8Array | string,
    contentType: string,
    condition?: PutCondition,
  ): Promise<string> {
    if (key === this.#frozenKey) {
      this.#frozenKey = undefined;
      await new Promise<void>((resolve) => {
        this.#release = resolve;
        this.#reached?.();
      });
    }
    return super.putBytes(key, body, contentType, condition);
  }
}

const config = testConfig();
const store = new ArtifactStore(config.s3);
const SWEEP = `commit-fence-${RUN}`;

function holder(activityId: string, attempt: number): LeaseHolder {
  return { workflowId: SWEEP, runId: "run", activityId, attempt, worker: `w${attempt}` };
}

function artifact(trialId: string, status: "cancelled" | "completed", epochs: number) {
  const records = Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    trainLoss: 1 / (i + 1),
    valLoss: 1.5 / (i + 1),
    trainMetric: i / epochs,
    valMetric: i / (epochs + 1),
    seconds: 0.01,
  }));
  return {
    sweepId: SWEEP,
    trialId,
    params: {},
    config: {} as TrialArtifact["config"],
    status,
    records,
    attempts: 1,
    resumedFromEpochs: [],
    backend: "wasm",
    durationSeconds: 1,
    finishedAt: new Date().toISOString(),
  } satisfies TrialArtifact;
}

/**
 * Attempt 1 writes a partial (cancelled) result but freezes before its PUT of `frozenFile`;
 * attempt 2 takes the trial over and commits the finished result; then attempt 1 wakes up.
 */
async function staleAttemptWakesAfterRetry(
  trialId: string,
  frozenFile: "curves.json" | "curves.csv",
) {
  const keys = trialKeys(trialId);
  const frozen = new FreezableStore(config.s3);
  const stale = await TrialLease.claim(frozen, trialId, holder(trialId, 1));
  frozen.freezeBefore(frozenFile === "curves.json" ? keys.curves : keys.curvesCsv);
  const staleWrite = writeTrial(frozen, artifact(trialId, "cancelled", 3), stale).then(
    (stored) => ({ stored }),
    (error: unknown) => ({ error }),
  );
  await frozen.reached;

  const fresh = await TrialLease.claim(store, trialId, holder(trialId, 2));
  const finished = artifact(trialId, "completed", 8);
  await writeTrial(store, finished, fresh);

  frozen.release();
  const woke = await staleWrite;
  // It finishes quietly (its write lost) or stops as superseded; nothing else goes wrong.
  if ("error" in woke) expect(woke.error).toBeInstanceOf(AttemptSupersededError);

  const stored = await readTrial(store, trialId);
  expect(stored?.status).toBe("completed");
  expect(stored?.records).toEqual(finished.records);
  expect(stored?.fencingToken).toBe(fresh.token);
  expect(await store.getText(keys.curvesCsv)).toBe(curvesToCsv(finished.records));
}

describe("trial commit fencing on MinIO", () => {
  it("a stale attempt frozen after its lease check, before its first write, overwrites neither curves file", async () => {
    // Before the fix, this attempt's first write was curves.csv, sent unconditionally.
    await staleAttemptWakesAfterRetry(`t-first-${RUN}`, "curves.csv");
  });

  it("a stale attempt frozen before its commit loses the commit and leaves the CSV alone", async () => {
    await staleAttemptWakesAfterRetry(`t-commit-${RUN}`, "curves.json");
  });

  it("a writer that died between commit and CSV has its CSV written by the next writer", async () => {
    const trialId = `t-late-${RUN}`;
    const keys = trialKeys(trialId);
    const finished = artifact(trialId, "completed", 5);
    finished.records[2]!.valLoss = Number.POSITIVE_INFINITY;
    await writeTrial(store, finished);
    expect(await store.getText(keys.curvesCsv)).toContain(",Infinity,");
    await store.remove([keys.curvesCsv]);
    const again = await writeTrial(store, artifact(trialId, "completed", 5));
    expect(again.records.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5]);
    // Rewritten from the committed JSON, where the infinity was stored as null.
    const rebuilt = finished.records.map((r) => ({ ...r }));
    rebuilt[2]!.valLoss = Number.NaN;
    expect(await store.getText(keys.curvesCsv)).toBe(curvesToCsv(rebuilt));
  });
});
