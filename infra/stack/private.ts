import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The state folder holds the MinIO root credentials, every object and the Temporal database:
 * only its owner may read it. Folders are 0700 and the servers run with umask 077, so the
 * files they create (objects, temporal.db, TSDB blocks) are 0600 whatever the user's umask.
 */
const GROUP_OTHER = 0o077;

/**
 * Creates the state folder with mode 0700. A folder left open by an older version (or made by
 * hand) is tightened once, with everything in it: the walk runs only while the top is open.
 */
export function ensurePrivateStateDir(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  if ((lstatSync(stateDir).mode & GROUP_OTHER) !== 0) tighten(stateDir);
}

/** Drops group and other bits below `path`; symbolic links are left alone (not ours). */
function tighten(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  chmodSync(path, stat.mode & 0o700);
  if (!stat.isDirectory()) return;
  for (const entry of readdirSync(path)) tighten(join(path, entry));
}

/**
 * Runs `spawnFn` (which must start its child synchronously, as `child_process.spawn` does)
 * with umask 077, so the child and everything it creates are private; the CLI's own umask is
 * restored at once.
 */
export function withPrivateUmask<T>(spawnFn: () => T): T {
  const previous = process.umask(GROUP_OTHER);
  try {
    return spawnFn();
  } finally {
    process.umask(previous);
  }
}
