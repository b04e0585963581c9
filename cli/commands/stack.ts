import { type Command, InvalidArgumentError } from "commander";
import type { StackFlags } from "../actions/stack";

// Loaded when a command runs, so `--help` stays fast.
const actions = () => import("../actions/stack");

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

/** `hypersweep stack up | status | down`: the local Temporal, MinIO and Prometheus. */
export function registerStackCommands(program: Command): void {
  const stack = program
    .command("stack")
    .description("install, start, inspect and stop the local Temporal, MinIO and Prometheus");

  withStackFlags(stack.command("up"))
    .description("install what is missing and start every server (no-op when already up)")
    .option(
      "--listen <address>",
      "IP address every server binds (default 127.0.0.1: this machine only; env HYPERSWEEP_LISTEN)",
    )
    .option("--json", "print the final status as JSON")
    .action(async (opts: StackFlags, command: Command) =>
      (await actions()).upCommand(opts, command),
    );

  withStackFlags(stack.command("status"))
    .description("each server's URL, health and pid; exit code 1 when one is not healthy")
    .option("--json", "print JSON")
    .action(async (opts: StackFlags, command: Command) =>
      (await actions()).statusCommand(opts, command),
    );

  withStackFlags(stack.command("down"))
    .description("stop every server this stack started")
    .action(async (opts: StackFlags, command: Command) =>
      (await actions()).downCommand(opts, command),
    );
}
