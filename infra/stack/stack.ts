import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type HypersweepConfig, LOOPBACK, STACK_STATE_FILE } from "../../config";
import { describeOccupant, isPortInUse, unavailableAddress, waitPortsFree } from "./ports";
import { ensurePrivateStateDir } from "./private";
import {
  isOurProcess,
  liveRecord,
  logFile,
  type PidRecord,
  spawnDetached,
  stopProcess,
  tailLog,
} from "./process";
import { SERVICES, type ServiceDefinition } from "./services";
import {
  type ProgressFn,
  SERVICE_NAMES,
  type ServiceName,
  type ServiceStatus,
  StackError,
  type StackOptions,
} from "./types";

/** What `stopService` did. */
export interface StopResult {
  name: ServiceName;
  /** Pid of the process it stopped, or null when none of ours was running. */
  stoppedPid: number | null;
  /** Ports still held afterwards, by a process this stack did not start. */
  portsStillInUse: number[];
}

const quiet: ProgressFn = () => undefined;

/**
 * Installs (when missing) and starts the given servers, waiting until each is ready.
 * Servers already running from this state dir are left alone, so it is idempotent.
 */
export async function startServices(
  requested: HypersweepConfig,
  names: readonly ServiceName[],
  options: StackOptions = {},
): Promise<ServiceStatus[]> {
  const progress = options.onProgress ?? quiet;
  ensurePrivateStateDir(requested.stateDir);
  const config = withListenAddress(requested);
  const unavailable = unavailableAddress(config.stack.host);
  if (unavailable) throw new StackError(`cannot start the stack: ${unavailable}`);
  recordListenAddress(config);
  const toStart: { def: ServiceDefinition; binary: string }[] = [];
  const running: { def: ServiceDefinition; record: PidRecord }[] = [];
  for (const name of names) {
    const def = SERVICES[name];
    const record = liveRecord(config.stateDir, name);
    if (record) running.push({ def, record: assertSamePorts(config, def, record) });
    else toStart.push({ def, binary: await def.install(config, progress) });
  }
  await assertPortsFree(
    config,
    toStart.map((s) => s.def),
  );
  const started = toStart.map(({ def, binary }) => {
    progress(`starting ${def.label} on ${def.url(config)}…`);
    const { args, env } = def.command(config);
    const ports = def.ports(config).map((p) => p.port);
    const spec = { name: def.name, binary, args, env, ports };
    return { def, record: spawnDetached(config.stateDir, spec) };
  });
  const waits = [...running, ...started].map(({ def, record }) =>
    waitReady(config, def, record, progress),
  );
  const failures = (await Promise.allSettled(waits)).flatMap((r) =>
    r.status === "rejected"
      ? [r.reason instanceof Error ? r.reason.message : String(r.reason)]
      : [],
  );
  if (failures.length > 0) throw new StackError(failures.join("\n"));
  return statusOf(config, names);
}

/**
 * The address every server binds. While any server of this state dir runs, the one it was
 * started on (a server restarted after an outage comes back where its clients look); else the
 * address asked for (loopback by default).
 */
export function withListenAddress(config: HypersweepConfig): HypersweepConfig {
  const running = SERVICE_NAMES.some((name) => liveRecord(config.stateDir, name) !== undefined);
  if (running) {
    if (config.stack.listen !== undefined && config.stack.listen !== config.stack.host) {
      throw new StackError(
        `the stack in ${config.stateDir} is running on ${config.stack.host}, not ${config.stack.listen}: ` +
          "run `hypersweep stack down` first to change the address",
      );
    }
    return config;
  }
  return { ...config, stack: { ...config.stack, host: config.stack.listen ?? LOOPBACK } };
}

/** Records where the servers listen (`stack.json`), for every later command of this state dir. */
export function recordListenAddress(config: HypersweepConfig): void {
  writeFileSync(
    join(config.stateDir, STACK_STATE_FILE),
    `${JSON.stringify({ listen: config.stack.host, recordedAt: new Date().toISOString() })}\n`,
    { mode: 0o600 },
  );
}

/** Forgets the recorded address once every server is stopped (`stack down`). */
export function forgetListenAddress(config: HypersweepConfig): void {
  rmSync(join(config.stateDir, STACK_STATE_FILE), { force: true });
}

/** A server already running on other ports would never answer on the configured ones. */
function assertSamePorts(config: HypersweepConfig, def: ServiceDefinition, record: PidRecord) {
  const wanted = def.ports(config).map((p) => p.port);
  if (record.ports.length === 0 || record.ports.join() === wanted.join()) return record;
  throw new StackError(
    `${def.label} is already running from ${config.stateDir} on port(s) ${record.ports.join(", ")} ` +
      `(pid ${record.pid}), not ${wanted.join(", ")}: run \`hypersweep stack down\` first to change ports`,
  );
}

async function assertPortsFree(config: HypersweepConfig, defs: ServiceDefinition[]) {
  const problems: string[] = [];
  for (const def of defs) {
    for (const { port, flag } of def.ports(config)) {
      if (!(await isPortInUse(port, config.stack.host))) continue;
      const who = (await describeOccupant(port)) ?? "another process";
      problems.push(
        `cannot start ${def.label}: ${config.stack.host} port ${port} is already in use by ${who}, ` +
          `not a server this stack started from ${config.stateDir}; stop it or choose another port (${flag})`,
      );
    }
  }
  if (problems.length > 0) throw new StackError(problems.join("\n"));
}

/** Polls the readiness check until it passes; a dead process or the deadline fails fast. */
async function waitReady(
  config: HypersweepConfig,
  def: ServiceDefinition,
  record: PidRecord,
  progress: ProgressFn,
): Promise<void> {
  const started = Date.now();
  const deadline = started + def.readyTimeoutMs;
  const where = def.url(config).replace(/^https?:\/\//, "");
  for (;;) {
    if (!isOurProcess(record)) {
      throw new StackError(
        `${def.label} exited before becoming ready on ${where}: ${tailLog(config.stateDir, def.name)}`,
      );
    }
    const problem = await def.probe(config);
    if (problem === undefined) break;
    if (Date.now() > deadline) {
      // Leave no half-started server behind: the next `stack up` starts it afresh.
      await stopProcess(config.stateDir, def.name, record, 5_000);
      throw new StackError(
        `${def.label} did not become ready on ${where} within ${def.readyTimeoutMs / 1000} s ` +
          `(${problem}); log ${logFile(config.stateDir, def.name)}:\n${tailLog(config.stateDir, def.name)}`,
      );
    }
    await sleep(250);
  }
  await def.afterReady?.(config);
  progress(
    `${def.label} ready on ${def.url(config)} (pid ${record.pid}, ${Date.now() - started} ms)`,
  );
}

/**
 * Stops the server this stack started (SIGTERM, then SIGKILL after a grace period) and
 * waits until its ports are free. A server it did not start is never touched.
 */
export async function stopService(
  config: HypersweepConfig,
  name: ServiceName,
): Promise<StopResult> {
  const def = SERVICES[name];
  const record = liveRecord(config.stateDir, name);
  if (record) await stopProcess(config.stateDir, name, record);
  const ports = record?.ports.length ? record.ports : def.ports(config).map((p) => p.port);
  await waitPortsFree(ports, record ? 10_000 : 0, config.stack.host);
  const stillUsed = [];
  for (const port of ports) if (await isPortInUse(port, config.stack.host)) stillUsed.push(port);
  return { name, stoppedPid: record?.pid ?? null, portsStillInUse: stillUsed };
}

/** Probes the given servers (in parallel) and reports each one's URL, health and pid. */
export function statusOf(
  config: HypersweepConfig,
  names: readonly ServiceName[] = SERVICE_NAMES,
): Promise<ServiceStatus[]> {
  return Promise.all(
    names.map(async (name): Promise<ServiceStatus> => {
      const def = SERVICES[name];
      const record = liveRecord(config.stateDir, name);
      const problem = await def.probe(config);
      const detail = record
        ? problem
        : problem === undefined
          ? `answering, but not started from ${config.stateDir}`
          : "not running";
      return {
        name,
        url: def.url(config),
        ...(def.uiUrl ? { uiUrl: def.uiUrl(config) } : {}),
        healthy: problem === undefined,
        pid: record?.pid ?? null,
        ...(detail === undefined ? {} : { detail }),
      };
    }),
  );
}
