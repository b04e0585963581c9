import type { Command } from "commander";
import { type ConfigOverrides, type HypersweepConfig, loadConfig } from "../../config";
import {
  describeExposure,
  type ServiceStatus,
  type StopResult,
  stackDown,
  stackStatus,
  stackUp,
} from "../../infra/stack";

export interface StackFlags {
  stateDir?: string;
  cacheDir?: string;
  temporalPort?: number;
  temporalUiPort?: number;
  minioPort?: number;
  minioConsolePort?: number;
  prometheusPort?: number;
  listen?: string;
  json?: boolean;
}

function configFrom(command: Command): HypersweepConfig {
  const flags = command.optsWithGlobals<StackFlags>();
  const overrides: ConfigOverrides = {};
  for (const key of [
    "stateDir",
    "cacheDir",
    "temporalPort",
    "temporalUiPort",
    "minioPort",
    "minioConsolePort",
    "prometheusPort",
    "listen",
  ] as const) {
    if (flags[key] !== undefined) Object.assign(overrides, { [key]: flags[key] });
  }
  return loadConfig(process.env, overrides);
}

function printStatuses(statuses: ServiceStatus[], json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
    return;
  }
  for (const s of statuses) {
    const health = s.healthy ? "healthy" : "DOWN";
    const ui = s.uiUrl ? `  ui ${s.uiUrl}` : "";
    const pid = s.pid === null ? "" : `  pid ${s.pid}`;
    const detail = s.detail ? `  (${s.detail})` : "";
    process.stdout.write(`${s.name.padEnd(11)}${health.padEnd(9)}${s.url}${ui}${pid}${detail}\n`);
  }
}

function printStopped(results: StopResult[]): void {
  for (const r of results) {
    const what = r.stoppedPid === null ? "was not running" : `stopped (pid ${r.stoppedPid})`;
    process.stdout.write(`${r.name.padEnd(11)}${what}\n`);
    if (r.portsStillInUse.length > 0) {
      process.stderr.write(
        `hypersweep: ${r.name}: port(s) ${r.portsStillInUse.join(", ")} still in use by a process this stack did not start\n`,
      );
      process.exitCode = 1;
    }
  }
}

/**
 * `stack up`: progress on stderr, so `--json` output stays parseable; then what is exposed
 * where, and a warning when that is beyond this machine.
 */
export async function upCommand(_opts: StackFlags, command: Command) {
  const statuses = await stackUp(configFrom(command), {
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  printStatuses(statuses, command.opts<StackFlags>().json);
  // Read back from the recorded state: a stack already running keeps its address.
  const exposure = describeExposure(configFrom(command));
  for (const line of [...exposure.lines, ...exposure.warnings]) process.stderr.write(`${line}\n`);
}

/** `stack status`: exit 1 when a server is not healthy. */
export async function statusCommand(_opts: StackFlags, command: Command) {
  const statuses = await stackStatus(configFrom(command));
  printStatuses(statuses, command.opts<StackFlags>().json);
  if (statuses.some((s) => !s.healthy)) process.exitCode = 1;
}

/** `stack down`. */
export async function downCommand(_opts: StackFlags, command: Command) {
  printStopped(await stackDown(configFrom(command)));
}
