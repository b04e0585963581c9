import { type Command, InvalidArgumentError } from "commander";
import { type ConfigOverrides, type HypersweepConfig, loadConfig } from "../../config";
import {
  type ServiceStatus,
  type StopResult,
  stackDown,
  stackStatus,
  stackUp,
} from "../../infra/stack";

interface StackFlags {
  stateDir?: string;
  cacheDir?: string;
  temporalPort?: number;
  temporalUiPort?: number;
  minioPort?: number;
  minioConsolePort?: number;
  prometheusPort?: number;
  json?: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError("must be a port number (1-65535)");
  }
  return port;
}

/** The port and folder flags every stack subcommand accepts (they override the env). */
function withStackFlags(command: Command): Command {
  return command
    .option(
      "--temporal-port <port>",
      "Temporal gRPC port (env HYPERSWEEP_TEMPORAL_PORT)",
      parsePort,
    )
    .option(
      "--temporal-ui-port <port>",
      "Temporal Web UI port (env HYPERSWEEP_TEMPORAL_UI_PORT)",
      parsePort,
    )
    .option("--minio-port <port>", "MinIO S3 port (env HYPERSWEEP_MINIO_PORT)", parsePort)
    .option(
      "--minio-console-port <port>",
      "MinIO console port (env HYPERSWEEP_MINIO_CONSOLE_PORT)",
      parsePort,
    )
    .option(
      "--prometheus-port <port>",
      "Prometheus port (env HYPERSWEEP_PROMETHEUS_PORT)",
      parsePort,
    )
    .option("--cache-dir <dir>", "where installed binaries are cached (env HYPERSWEEP_CACHE_DIR)");
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

/** `hypersweep stack up | status | down`: the local Temporal, MinIO and Prometheus. */
export function registerStackCommands(program: Command): void {
  const stack = program
    .command("stack")
    .description("install, start, inspect and stop the local Temporal, MinIO and Prometheus");

  withStackFlags(stack.command("up"))
    .description("install what is missing and start every server (no-op when already up)")
    .option("--json", "print the final status as JSON")
    .action(async (_opts: StackFlags, command: Command) => {
      const json = command.opts<StackFlags>().json;
      const config = configFrom(command);
      // Progress goes to stderr so `--json` output stays parseable.
      const statuses = await stackUp(config, {
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      printStatuses(statuses, json);
    });

  withStackFlags(stack.command("status"))
    .description("each server's URL, health and pid; exit code 1 when one is not healthy")
    .option("--json", "print JSON")
    .action(async (_opts: StackFlags, command: Command) => {
      const statuses = await stackStatus(configFrom(command));
      printStatuses(statuses, command.opts<StackFlags>().json);
      if (statuses.some((s) => !s.healthy)) process.exitCode = 1;
    });

  withStackFlags(stack.command("down"))
    .description("stop every server this stack started")
    .action(async (_opts: StackFlags, command: Command) => {
      printStopped(await stackDown(configFrom(command)));
    });
}
