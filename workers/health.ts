import { setTimeout as sleep } from "node:timers/promises";
import type { S3Config } from "../config";
import { ArtifactStore } from "../storage/store";

/** S3 error codes that waiting will not fix: the keys are wrong or lack permission. */
export const S3_FATAL = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "InvalidBucketName",
]);

/** What a running worker can meet later besides refused keys: its bucket gone. */
const S3_REFUSALS = new Set([...S3_FATAL, "NoSuchBucket"]);

/**
 * Reads the bucket's top level with this worker's keys (never creating anything). Returns why S3
 * refuses this worker (`InvalidAccessKeyId`, `NoSuchBucket`, …), or undefined when it answers,
 * or when it is merely unreachable: that is an outage, which each attempt waits out by itself.
 */
export async function storeRefusal(store: ArtifactStore): Promise<string | undefined> {
  try {
    await store.list("", false);
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    return S3_REFUSALS.has(code) ? code : undefined;
  }
}

export interface HealthWatch {
  /** Check now (after a failed attempt); `onRefused` is called once if S3 refuses. */
  check(): void;
  stop(): void;
}

/**
 * Re-checks S3 every `everySeconds` while a training process polls; the first refusal calls
 * `onRefused(code)` once and ends the watch (the caller stops polling).
 */
export function watchStore(
  s3: S3Config,
  everySeconds: number,
  onRefused: (code: string) => void,
): HealthWatch {
  const store = new ArtifactStore(s3);
  let done = false;
  let running = false;
  const check = () => {
    if (done || running) return;
    running = true;
    void storeRefusal(store)
      .then((code) => {
        if (code && !done) {
          done = true;
          clearInterval(timer);
          onRefused(code);
        }
      })
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(check, everySeconds * 1000);
  timer.unref();
  return {
    check,
    stop() {
      done = true;
      clearInterval(timer);
    },
  };
}

/**
 * Waits, re-checking with back-off (up to `maxDelayMs`), until S3 accepts this worker again;
 * logs once per `logEveryMs`. Returns false if stopped first.
 */
export async function waitUntilAccepted(
  s3: S3Config,
  stop: AbortSignal,
  log: (code: string, seconds: number) => void,
  { maxDelayMs = 5000, logEveryMs = 30_000 } = {},
): Promise<boolean> {
  const store = new ArtifactStore(s3);
  const started = Date.now();
  let lastLog = Date.now();
  let delay = 500;
  while (!stop.aborted) {
    await sleep(delay, undefined, { signal: stop }).catch(() => undefined);
    if (stop.aborted) break;
    const code = await storeRefusal(store);
    if (!code) return true;
    if (Date.now() - lastLog >= logEveryMs) {
      lastLog = Date.now();
      log(code, Math.round((Date.now() - started) / 1000));
    }
    delay = Math.min(delay * 2, maxDelayMs);
  }
  return false;
}
