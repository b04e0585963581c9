import { rmSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
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
  /** How often the file's mtime is renewed (and stale files pruned); default 15 s. */
  heartbeatMs?: number;
}

export interface ScrapeTarget {
  /** The file written. */
  file: string;
  /** Removes the file, so Prometheus stops scraping this worker. Idempotent. */
  unregister(): Promise<void>;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** `host/pid` of the writer. `__` labels reach relabelling only: they never label a series. */
export const OWNER_LABEL = "__hypersweep_owner";
const HEARTBEAT_MS = 15_000;
/** A target whose file was not renewed for this long is a dead (or frozen) worker's. */
export const STALE_AFTER_MS = 4 * HEARTBEAT_MS;

const owner = () => `${hostname()}/${process.pid}`;

/** One Prometheus file_sd target group, as documented for `file_sd_configs`. */
export function fileSdContent(
  options: Omit<ScrapeTargetOptions, "sdDir" | "workerId" | "heartbeatMs">,
  writer = owner(),
): string {
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const labels = { ...options.labels, [OWNER_LABEL]: writer };
  return `${JSON.stringify([{ targets: [`${host}:${options.port}`], labels }], null, 2)}\n`;
}

async function writeAtomically(dir: string, id: string, content: string): Promise<string> {
  const file = join(dir, `${id}.json`);
  const tmp = join(dir, `.${id}.${process.pid}.tmp`);
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, file);
  return file;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function isStale(file: string, now: number, staleAfterMs: number): Promise<boolean> {
  const [text, info] = await Promise.all([readFile(file, "utf8"), stat(file)]);
  if (now - info.mtimeMs > staleAfterMs) return true;
  const groups = JSON.parse(text) as { labels?: Record<string, string> }[];
  const [host, pid] = (groups[0]?.labels?.[OWNER_LABEL] ?? "").split("/");
  // A writer on this machine that no longer runs is dead now, not after the timeout.
  return host === hostname() && pid !== undefined && !isAlive(Number(pid));
}

/**
 * Removes the targets of dead workers: files not renewed for `staleAfterMs`, and files written
 * by a process of this machine that is gone (a kill -9 leaves its file behind). Every live
 * worker runs this at start and with each heartbeat. Returns the files removed.
 */
export async function pruneStaleTargets(
  sdDir: string,
  { now = Date.now(), staleAfterMs = STALE_AFTER_MS } = {},
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(sdDir).catch(() => [])) {
    if (!name.endsWith(".json")) continue;
    const file = join(sdDir, name);
    // Unreadable or half-known files are someone else's business: leave them.
    if (await isStale(file, now, staleAfterMs).catch(() => false)) {
      await rm(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}

/**
 * Registers a worker's metrics endpoint with Prometheus by writing `<sdDir>/<workerId>.json`,
 * then renews its mtime every heartbeat (rewriting it if it was pruned while this process was
 * frozen) and prunes dead workers' files. The write is atomic (temporary file + rename) so
 * Prometheus never reads half a file; the temporary name does not end in `.json`. The file is
 * removed on unregister and on any exit of this process that runs exit handlers.
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
  await pruneStaleTargets(options.sdDir);
  const content = fileSdContent(options);
  const file = await writeAtomically(options.sdDir, options.workerId, content);
  let live = true;
  const renew = async () => {
    if (!live) return;
    const now = new Date();
    await utimes(file, now, now).catch(() =>
      writeAtomically(options.sdDir, options.workerId, content),
    );
    await pruneStaleTargets(options.sdDir);
  };
  const heartbeat = setInterval(() => {
    renew().catch(() => undefined); // a full disk must not crash the worker; retried next beat
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  const onExit = () => rmSync(file, { force: true });
  process.once("exit", onExit);
  return {
    file,
    unregister: async () => {
      live = false;
      clearInterval(heartbeat);
      process.off("exit", onExit);
      await rm(file, { force: true });
    },
  };
}
