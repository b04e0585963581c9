import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { withPrivateUmask } from "./private";

/** Written to the log at each start, so an error shows only this run's lines. */
const START_MARKER = "--- hypersweep stack: started";

/** What we remember about a server we started, so `down` can stop exactly that process. */
export interface PidRecord {
  pid: number;
  /** Absolute path of the executable; checked against /proc before signalling (pid reuse). */
  binary: string;
  startedAt: string;
  /** Ports it was started on: `down` waits for exactly these, whatever the flags say now. */
  ports: number[];
}

const PidRecordSchema = z.object({
  pid: z.number().int().positive(),
  binary: z.string(),
  startedAt: z.string(),
  ports: z.array(z.number().int()).default([]),
});

/** `<stateDir>/<name>`: the server's own folder (log, pid, data). */
export function serviceDir(stateDir: string, name: string): string {
  return join(stateDir, name);
}

export function logFile(stateDir: string, name: string): string {
  return join(serviceDir(stateDir, name), "server.log");
}

function pidFile(stateDir: string, name: string): string {
  return join(serviceDir(stateDir, name), "server.pid");
}

export function readPidRecord(stateDir: string, name: string): PidRecord | undefined {
  const file = pidFile(stateDir, name);
  if (!existsSync(file)) return undefined;
  const parsed = PidRecordSchema.safeParse(safeJson(readFileSync(file, "utf8")));
  return parsed.success ? parsed.data : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function removePidRecord(stateDir: string, name: string): void {
  rmSync(pidFile(stateDir, name), { force: true });
}

/** True when the pid is alive and still runs the binary we started (not a reused pid). */
export function isOurProcess(record: PidRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie has an empty cmdline: it is dead for our purposes. The binary may be argv[1]
    // when it is a script run by its interpreter (sh, python).
    const argv = readFileSync(`/proc/${record.pid}/cmdline`, "utf8").split("\0").slice(0, 2);
    return argv.some((arg) => arg !== "" && basename(arg) === basename(record.binary));
  } catch {
    return false;
  }
}

/** The live record for a service, or undefined (a stale pid file is removed). */
export function liveRecord(stateDir: string, name: string): PidRecord | undefined {
  const record = readPidRecord(stateDir, name);
  if (record && isOurProcess(record)) return record;
  if (record) removePidRecord(stateDir, name);
  return undefined;
}

export interface SpawnSpec {
  name: string;
  binary: string;
  args: string[];
  /** Full environment of the child (secrets go here, never on the command line). */
  env: NodeJS.ProcessEnv;
  ports: number[];
}

/**
 * Starts a server detached in its own process group, stdout and stderr appended to
 * `<stateDir>/<name>/server.log`, and records its pid. The server outlives the CLI.
 */
export function spawnDetached(stateDir: string, spec: SpawnSpec): PidRecord {
  mkdirSync(serviceDir(stateDir, spec.name), { recursive: true, mode: 0o700 });
  const log = openSync(logFile(stateDir, spec.name), "a", 0o600);
  try {
    writeSync(log, `${START_MARKER} ${new Date().toISOString()}\n`);
    const child = withPrivateUmask(() =>
      spawn(spec.binary, spec.args, { detached: true, stdio: ["ignore", log, log], env: spec.env }),
    );
    if (child.pid === undefined) throw new Error(`could not start ${spec.binary}`);
    child.unref();
    const record: PidRecord = {
      pid: child.pid,
      binary: spec.binary,
      startedAt: new Date().toISOString(),
      ports: spec.ports,
    };
    writeFileSync(pidFile(stateDir, spec.name), `${JSON.stringify(record)}\n`, { mode: 0o600 });
    return record;
  } finally {
    closeSync(log);
  }
}

/**
 * SIGTERM to the server's process group, then SIGKILL after `graceMs`.
 * Resolves once the process is gone; removes the pid file.
 */
export async function stopProcess(
  stateDir: string,
  name: string,
  record: PidRecord,
  graceMs = 15_000,
): Promise<void> {
  signalGroup(record.pid, "SIGTERM");
  if (!(await waitGone(record, graceMs))) {
    signalGroup(record.pid, "SIGKILL");
    await waitGone(record, 5_000);
  }
  removePidRecord(stateDir, name);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

async function waitGone(record: PidRecord, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isOurProcess(record)) return true;
    await sleep(100);
  }
  return !isOurProcess(record);
}

/** The last `lines` non-empty lines of a server's log, joined for an error message. */
export function tailLog(stateDir: string, name: string, lines = 8): string {
  const file = logFile(stateDir, name);
  if (!existsSync(file)) return "(no log)";
  const text = readFileSync(file, "utf8").slice(-65_536);
  const run = text.slice(Math.max(0, text.lastIndexOf(START_MARKER)));
  const tail = run.split("\n").filter((l) => l.trim() !== "" && !l.startsWith(START_MARKER));
  return tail.slice(-lines).join("\n") || "(empty log)";
}
