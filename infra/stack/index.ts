/**
 * The local stack (Temporal, MinIO, Prometheus) as an API: `hypersweep stack` and the
 * integration tests' global setup use it, and failure tests stop and start one server.
 */
import type { HypersweepConfig } from "../../config";
import {
  forgetListenAddress,
  type StopResult,
  startServices,
  statusOf,
  stopService,
} from "./stack";
import { SERVICE_NAMES, type ServiceName, type ServiceStatus, type StackOptions } from "./types";

export { describeExposure } from "./exposure";
export { ensureBucket, ensureStackCredentials, s3Client } from "./minio-client";
export { isPortInUse } from "./ports";
export { PROMETHEUS_TEMPLATE, renderPrometheusConfig } from "./prometheus-config";
export { type StopResult, stopService } from "./stack";
export {
  type ProgressFn,
  SERVICE_NAMES,
  type ServiceName,
  type ServiceStatus,
  StackError,
  type StackOptions,
} from "./types";

/**
 * Installs what is missing and starts every server, waiting for each readiness check.
 * A running, healthy stack is left as it is (idempotent).
 *
 * @example
 * const statuses = await stackUp(loadConfig(), { onProgress: console.log });
 */
export function stackUp(
  config: HypersweepConfig,
  options: StackOptions = {},
): Promise<ServiceStatus[]> {
  return startServices(config, SERVICE_NAMES, options);
}

/** Stops every server this stack started (Prometheus first, Temporal last). */
export async function stackDown(config: HypersweepConfig): Promise<StopResult[]> {
  const results: StopResult[] = [];
  for (const name of [...SERVICE_NAMES].reverse()) results.push(await stopService(config, name));
  forgetListenAddress(config);
  return results;
}

/** Each server's URL, health (its real readiness check) and pid. */
export function stackStatus(config: HypersweepConfig): Promise<ServiceStatus[]> {
  return statusOf(config);
}

/**
 * Starts one server (e.g. Temporal again on the same SQLite file, after `stopService`).
 *
 * @example
 * await stopService(config, "minio"); // an outage…
 * await startService(config, "minio"); // …and recovery, same data folder and credentials
 */
export async function startService(
  config: HypersweepConfig,
  name: ServiceName,
  options: StackOptions = {},
): Promise<ServiceStatus> {
  const [status] = await startServices(config, [name], options);
  return status!;
}
