import { setTimeout as sleep } from "node:timers/promises";
import type { NativeConnection } from "@temporalio/worker";
import type { HypersweepConfig } from "../config";
import { ArtifactStore } from "../storage/store";
import { connectWorker } from "./connection";
import { ConnectTimeoutError, WorkerStartError } from "./errors";
import { S3_FATAL } from "./health";

export interface StartupOptions {
  /** Give up after this long; the worker exits non-zero so its supervisor notices. */
  timeoutSeconds: number;
  stop: AbortSignal;
  log: (line: string) => void;
  /** Who is waiting, for the log (`training process 2`). */
  who: string;
}

export { DEFAULT_CONNECT_TIMEOUT_SECONDS } from "./defaults";

const FIRST_RETRY_MS = 500;
/** Low, so a worker polls within seconds of the servers coming up. */
const MAX_RETRY_MS = 5000;
/** One "still waiting" line per this interval, however many attempts it covers. */
const LOG_INTERVAL_MS = 30_000;

/** gRPC codes that waiting will not fix: bad namespace, argument, permission or credentials. */
const TEMPORAL_FATAL = new Set([3, 5, 7, 16]);

class Fatal extends Error {}

const describe = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";

async function checkTemporal(config: HypersweepConfig): Promise<NativeConnection> {
  const connection = await connectWorker(config.temporal);
  const { namespace, address } = config.temporal;
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return connection;
  } catch (error) {
    await connection.close().catch(() => undefined);
    if (TEMPORAL_FATAL.has((error as { code?: number }).code ?? -1)) {
      throw new Fatal(
        `Temporal at ${address} refuses namespace "${namespace}" (TEMPORAL_NAMESPACE): ${describe(error)}`,
      );
    }
    throw error;
  }
}

async function checkS3(config: HypersweepConfig): Promise<void> {
  try {
    // Reads, and creates if missing, the one bucket: proves the endpoint, keys and permission.
    await new ArtifactStore(config.s3).ensureBucket();
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (S3_FATAL.has(code)) {
      throw new Fatal(
        `S3 at ${config.s3.endpoint} refuses the credentials for bucket "${config.s3.bucket}" (${code}): check HYPERSWEEP_S3_ACCESS_KEY / HYPERSWEEP_S3_SECRET_KEY`,
      );
    }
    throw error;
  }
}

/**
 * Waits until Temporal (namespace included) and S3 (keys and bucket) answer, retrying with
 * back-off and saying so once per interval, and returns the Temporal connection; undefined if
 * stopped meanwhile. A check that waiting cannot fix throws WorkerStartError at once; servers
 * still unreachable after `timeoutSeconds` throw ConnectTimeoutError.
 */
export async function waitForDependencies(
  config: HypersweepConfig,
  { timeoutSeconds, stop, log, who }: StartupOptions,
): Promise<NativeConnection | undefined> {
  const started = Date.now();
  let delay = FIRST_RETRY_MS;
  let lastLog = 0;
  let lastWhat = "";
  let attempts = 0;
  while (!stop.aborted) {
    attempts++;
    let what = `Temporal at ${config.temporal.address}`;
    try {
      const connection = await checkTemporal(config);
      what = `S3 at ${config.s3.endpoint}`;
      try {
        await checkS3(config);
      } catch (error) {
        await connection.close().catch(() => undefined);
        throw error;
      }
      if (attempts > 1) log(`${who}: servers reachable after ${elapsed(started)} s`);
      return connection;
    } catch (error) {
      if (error instanceof Fatal) throw new WorkerStartError(error.message);
      if (Date.now() - started >= timeoutSeconds * 1000) {
        throw new ConnectTimeoutError(
          `${who}: gave up after ${elapsed(started)} s waiting for ${what} (${describe(error)}); raise --connect-timeout or HYPERSWEEP_CONNECT_TIMEOUT_SECONDS`,
        );
      }
      // A new server to wait for is news; the same one again is said once per interval.
      if (what !== lastWhat || Date.now() - lastLog >= LOG_INTERVAL_MS) {
        lastLog = Date.now();
        lastWhat = what;
        log(
          `${who}: waiting for ${what} (${describe(error)}); retrying with back-off, ${attempts} attempt(s) in ${elapsed(started)} s, giving up after ${timeoutSeconds} s`,
        );
      }
    }
    await sleep(delay, undefined, { signal: stop }).catch(() => undefined);
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
  return undefined;
}

const elapsed = (since: number) => Math.round((Date.now() - since) / 1000);
