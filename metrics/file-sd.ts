import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../errors";

export interface ScrapeTargetOptions {
  /** The folder Prometheus' `file_sd_configs` watches (`*.json`). */
  sdDir: string;
  /** Unique per worker process; names the file. Letters, digits, `.`, `_`, `-`. */
  workerId: string;
  /** The address Prometheus reaches the worker at (not a wildcard bind address). */
  host: string;
  port: number;
  labels: { pool: string; worker: string };
}

export interface ScrapeTarget {
  /** The file written. */
  file: string;
  /** Removes the file, so Prometheus stops scraping this worker. Idempotent. */
  unregister(): Promise<void>;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** One Prometheus file_sd target group, as documented for `file_sd_configs`. */
export function fileSdContent(options: Omit<ScrapeTargetOptions, "sdDir" | "workerId">): string {
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const group = { targets: [`${host}:${options.port}`], labels: { ...options.labels } };
  return `${JSON.stringify([group], null, 2)}\n`;
}

/**
 * Registers a worker's metrics endpoint with Prometheus by writing `<sdDir>/<workerId>.json`.
 * The write is atomic (temporary file + rename) so Prometheus never reads half a file;
 * the temporary name does not end in `.json`, so the watcher ignores it.
 *
 * @example
 * const target = await registerScrapeTarget({ sdDir, workerId: "cpu-host1-4242",
 *   host: "127.0.0.1", port: 9464, labels: { pool: "cpu", worker: "host1-4242" } });
 * await target.unregister(); // on shutdown
 */
export async function registerScrapeTarget(options: ScrapeTargetOptions): Promise<ScrapeTarget> {
  if (!SAFE_ID.test(options.workerId)) {
    throw new UsageError(
      `workerId ${JSON.stringify(options.workerId)}: use letters, digits, . _ -`,
    );
  }
  await mkdir(options.sdDir, { recursive: true });
  const file = join(options.sdDir, `${options.workerId}.json`);
  const tmp = join(options.sdDir, `.${options.workerId}.${process.pid}.tmp`);
  await writeFile(tmp, fileSdContent(options), { mode: 0o644 });
  await rename(tmp, file);
  return { file, unregister: () => rm(file, { force: true }) };
}
