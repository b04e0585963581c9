import type { Command } from "commander";

// Loaded when the command runs, so `--help` stays fast.
const actions = () => import("../actions/workers");

export function registerWorkersCommands(program: Command): void {
  program
    .command("workers")
    .description("list the live workers of every machine, per pool (from the bucket's registry)")
    .option("--json", "machine-readable output")
    .action(async (flags: { json?: boolean }, cmd: Command) =>
      (await actions()).listWorkers(cmd, !!flags.json),
    );
  // Started by `stack up` next to Prometheus; not for people.
  program
    .command("discovery", { hidden: true })
    .description("serve Prometheus HTTP SD (/sd) from the bucket's worker registry")
    .requiredOption("--port <port>", "port", Number)
    .option("--host <host>", "bind address", "127.0.0.1")
    .option(
      "--relay <listen=target>",
      "also relay TCP from LISTEN_HOST:PORT to TARGET_HOST:PORT (repeatable)",
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .action(async (flags: { port: number; host: string; relay: string[] }, cmd: Command) =>
      (await actions()).serveDiscovery(cmd, flags),
    );
}
