import { setTimeout as sleep } from "node:timers/promises";
import { TransientError } from "../errors";

/** How a caller rides out an S3 outage instead of failing (see `ArtifactStore.enduring`). */
export interface OutagePolicy {
  /** Longest continuous unavailability one call waits out before it fails. */
  budgetMs: number;
  /** Aborting ends the wait with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Called about once a second while a call is in flight or waiting out an outage (`error` is
   * the last failure, undefined before any): a training attempt heartbeats from here, so a slow
   * or silent store never looks like a dead attempt.
   */
  onWait?: (waitedMs: number, error: unknown) => void;
  /** Called once when a call starts waiting and once when it succeeds after waiting. */
  onOutage?: (event: "down" | "up", waitedMs: number, error: unknown) => void;
}

/** The store stayed unreachable for longer than the outage budget: infrastructure, not the trial. */
export class StoreOutageError extends TransientError {}

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  // S3 / MinIO answers meaning "try again later".
  "InternalError",
  "ServiceUnavailable",
  "SlowDown",
  "RequestTimeout",
  "XMinioServerNotInitialized",
  "XMinioReadQuorum",
  "XMinioWriteQuorum",
]);

/**
 * Whether an error means the store is unavailable (connection refused or reset, timeout, 5xx),
 * as opposed to an answer about the request (404, 412, 403: bad key or credentials).
 */
export function isTransientStoreError(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; depth++) {
    const { code, message, errors } = e as { code?: unknown; message?: unknown; errors?: unknown };
    if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
    // minio-js retries a 5xx once itself, then throws a plain Error saying so.
    if (typeof message === "string" && /Retryable HTTP status: 5\d\d|socket hang up/.test(message))
      return true;
    if (Array.isArray(errors) && errors.some(isTransientStoreError)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const FIRST_WAIT_MS = 250;
const LONGEST_WAIT_MS = 5000;
const TICK_MS = 1000;

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e?.message || e?.code || String(error);
}

/** `call()`, with `tick` called every second while it is pending. */
async function ticking<T>(call: () => Promise<T>, tick: () => void): Promise<T> {
  const timer = setInterval(tick, TICK_MS);
  try {
    return await call();
  } finally {
    clearInterval(timer);
  }
}

/**
 * Runs `call`, retrying it with exponential backoff (0.25 s … 5 s) while the store is
 * unavailable, for at most `policy.budgetMs` of continuous unavailability. Only transient
 * errors are retried, so a retried call must be idempotent: every store call is one GET,
 * HEAD, LIST, DELETE or PUT of a whole object (a conditional PUT that reached the server before
 * its answer was lost is answered 412 on the retry; callers re-read and see their own write).
 */
export async function endure<T>(call: () => Promise<T>, policy: OutagePolicy): Promise<T> {
  const started = Date.now();
  let wait = FIRST_WAIT_MS;
  let waiting = false;
  let last: unknown;
  for (;;) {
    try {
      const value = await ticking(call, () => policy.onWait?.(Date.now() - started, last));
      if (waiting) policy.onOutage?.("up", Date.now() - started, undefined);
      return value;
    } catch (error) {
      if (!isTransientStoreError(error)) throw error;
      last = error;
      const waited = Date.now() - started;
      if (waited >= policy.budgetMs) {
        throw new StoreOutageError(
          `S3 store unavailable for ${Math.round(waited / 1000)} s, longer than the outage budget ` +
            `(${Math.round(policy.budgetMs / 1000)} s, HYPERSWEEP_OUTAGE_BUDGET_SECONDS): ${describe(error)}`,
          { cause: error },
        );
      }
      if (!waiting) policy.onOutage?.("down", waited, error);
      waiting = true;
      const until = Date.now() + Math.min(wait, policy.budgetMs - waited);
      while (Date.now() < until) {
        policy.signal?.throwIfAborted();
        policy.onWait?.(Date.now() - started, error);
        await sleep(Math.min(TICK_MS, until - Date.now()));
      }
      policy.signal?.throwIfAborted();
      wait = Math.min(wait * 2, LONGEST_WAIT_MS);
    }
  }
}
