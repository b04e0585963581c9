import { type Command, Option } from "commander";
import type { ListFlags } from "../actions/list";
import type { RunFlags } from "../actions/sweeps";

// Loaded when a command runs, so `--help` never loads Temporal, MinIO or TensorFlow.
const actions = () => import("../actions/sweeps");

export function registerSweepCommands(program: Command): void {
  program
    .command("run <spec>")
    .description("validate a sweep spec (YAML/JSON), upload its data and start the sweep")
    .option(
      "--wait",
      "follow the sweep (live view on a terminal, a line per change otherwise), then print the leaderboard",
    )
    .option("--json", "machine-readable output (with --wait: JSON-line events on stderr)")
    .option("--dry-run", "print the expanded trials and exit; starts nothing")
    .option(
      "--retrain",
      "train every trial of the spec again, even those another sweep already finished",
    )
    .addOption(new Option("--history-limit <events>").hideHelp().argParser(Number))
    .action(async (file: string, flags: RunFlags, cmd: Command) =>
      (await actions()).runCommand(file, flags, cmd),
    );

  program
    .command("list")
    .description("sweeps, newest first: name, id, state, progress, best, started")
    .option("--json", "machine-readable output")
    .option("--limit <n>", "at most this many sweeps", Number, 50)
    .option("--name <name>", "only sweeps of this spec name")
    .option("--pool <pool>", "only sweeps training on this pool")
    .option(
      "--state <state>",
      "only sweeps in this state: running, paused, cancelling, completed, failed, cancelled, terminated, timed-out",
    )
    .option(
      "--where <query>",
      'and a Temporal visibility expression, e.g. "HypersweepBest < 0.5" (attributes: HypersweepName, HypersweepPool, HypersweepState, HypersweepBest, HypersweepDone, HypersweepTotal)',
    )
    .action(async (flags: ListFlags, cmd: Command) =>
      (await import("../actions/list")).listCommand(flags, cmd),
    );

  program
    .command("status <id>")
    .description(
      "progress of a sweep (counts, running trials with epoch and params, best so far); <id> may be a sweep's name",
    )
    .option("--json", "machine-readable output")
    .action(async (id: string, flags: { json?: boolean }, cmd: Command) =>
      (await actions()).statusCommand(id, flags, cmd),
    );

  for (const what of ["pause", "resume", "cancel"] as const) {
    const help = {
      pause: "start no new trials (running ones finish)",
      resume: "resume a paused sweep",
      cancel: "stop a sweep: running trials stop at their next epoch and keep their partial curves",
    }[what];
    program
      .command(`${what} <id>`)
      .description(help)
      .action(async (id: string, _f: unknown, cmd: Command) =>
        (await actions()).controlCommand(what, id, cmd),
      );
  }

  program
    .command("set-parallel <id> <n>")
    .description("change a running sweep's maxParallel")
    .action(async (id: string, n: string, _f: unknown, cmd: Command) =>
      (await actions()).setParallelCommand(id, n, cmd),
    );

  program
    .command("retry <id>")
    .description(
      "re-run the failed and cancelled trials of a finished sweep (finished ones are reused)",
    )
    .option("--wait", "follow the sweep, then print the leaderboard")
    .option("--json", "machine-readable output")
    .action(async (id: string, flags: { wait?: boolean; json?: boolean }, cmd: Command) =>
      (await actions()).retryCommand(id, flags, cmd),
    );

  program
    .command("results <id>")
    .description(
      "the leaderboard of a sweep (of a running one: its finished trials, marked partial)",
    )
    .option("--format <format>", "json | csv | table", "table")
    .action(async (id: string, flags: { format: string }, cmd: Command) =>
      (await actions()).resultsCommand(id, flags, cmd),
    );
}
