import { hostname } from "node:os";
import type { ArtifactStore } from "../storage/store";

/**
 * One live training process, as every machine sees it: `workers/<workerId>.json` in the bucket.
 * The bucket is what every worker already shares, so no file is copied between machines.
 */
export interface WorkerEntry {
  workerId: string;
  pool: string;
  /** The backend it trains on (as loaded, e.g. `tensorflow`, `wasm`). */
  backend: string;
  /** `cpu`, or the GPU ids it is pinned to. */
  devices: string[];
  /** Trials at once in this process. */
  slots: number;
  /** Where Prometheus scrapes it. */
  metricsUrl: string;
  host: string;
  pid: number;
  started: string;
  /** Renewed every heartbeat; an entry older than LIVE_FOR_MS is a dead worker's. */
  lastSeen: string;
}

export const REGISTRY_PREFIX = "workers/";
export const HEARTBEAT_MS = 15_000;
/** Readers ignore entries not renewed for this long (four missed heartbeats). */
export const LIVE_FOR_MS = 60_000;
/** Entries older than this are deleted by whoever lists them (a kill -9 leaves one behind). */
export const DELETE_AFTER_MS = 10 * 60_000;

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const registryKey = (workerId: string) => `${REGISTRY_PREFIX}${workerId}.json`;

export interface Registration {
  /** Stops renewing and deletes the entry. Idempotent. */
  unregister(): Promise<void>;
}

/**
 * Writes this process' entry now and renews `lastSeen` every heartbeat until unregistered. A
 * failed renewal (S3 briefly down) is retried next beat; the entry only expires if they all fail.
 */
export async function registerWorker(
  store: ArtifactStore,
  entry: Omit<WorkerEntry, "lastSeen" | "started" | "host" | "pid">,
  { heartbeatMs = HEARTBEAT_MS } = {},
): Promise<Registration> {
  if (!SAFE_ID.test(entry.workerId)) throw new Error(`bad worker id ${entry.workerId}`);
  const started = new Date().toISOString();
  const full = { ...entry, host: hostname(), pid: process.pid, started };
  const write = () => store.putJson(registryKey(entry.workerId), { ...full, lastSeen: now() });
  await write();
  const timer = setInterval(() => write().catch(() => undefined), heartbeatMs);
  timer.unref();
  let done = false;
  return {
    async unregister() {
      if (done) return;
      done = true;
      clearInterval(timer);
      await store.remove([registryKey(entry.workerId)]).catch(() => undefined);
    },
  };
}

const now = () => new Date().toISOString();

function isEntry(value: unknown): value is WorkerEntry {
  const e = value as Partial<WorkerEntry> | undefined;
  return (
    typeof e?.workerId === "string" &&
    typeof e.pool === "string" &&
    typeof e.metricsUrl === "string" &&
    typeof e.lastSeen === "string" &&
    !Number.isNaN(Date.parse(e.lastSeen))
  );
}

/** Splits entries into the live ones and the keys old enough to delete. Pure. */
export function classifyEntries(
  entries: { key: string; value: unknown }[],
  at: number,
): { live: WorkerEntry[]; expired: string[] } {
  const live: WorkerEntry[] = [];
  const expired: string[] = [];
  for (const { key, value } of entries) {
    if (!isEntry(value)) continue; // someone else's object: leave it
    const age = at - Date.parse(value.lastSeen);
    if (age <= LIVE_FOR_MS) live.push(value);
    else if (age > DELETE_AFTER_MS) expired.push(key);
  }
  live.sort((a, b) => a.pool.localeCompare(b.pool) || a.workerId.localeCompare(b.workerId));
  return { live, expired };
}

/** The live workers of the registry (sorted by pool, then id); deletes long-dead entries. */
export async function listLiveWorkers(store: ArtifactStore): Promise<WorkerEntry[]> {
  const keys = (await store.list(REGISTRY_PREFIX)).filter((k) => k.endsWith(".json"));
  const entries = await Promise.all(
    keys.map(async (key) => ({
      key,
      value: await store.tryGetJson<unknown>(key).catch(() => undefined),
    })),
  );
  const { live, expired } = classifyEntries(entries, Date.now());
  await store.remove(expired).catch(() => undefined);
  return live;
}
