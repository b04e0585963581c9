import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerBackendCommands } from "./commands/backend";
import { registerDashboardsCommands } from "./commands/dashboards";
import { registerDemoCommand } from "./commands/demo";
import { registerReportCommand } from "./commands/report";
import { registerStackCommands } from "./commands/stack";
import { registerSweepCommands } from "./commands/sweeps";
import { registerWorkerCommand } from "./commands/worker";
import { registerWorkersCommands } from "./commands/workers";
import { exitCodeOf, reportError } from "./exit-codes";
import { exitQuietlyOnClosedPipe } from "./output";

exitQuietlyOnClosedPipe();

const { version } = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
) as { version: string };

const program = new Command("hypersweep")
  .description(
    "Distributed hyper-parameter sweeps on Temporal, TensorFlow.js, MinIO and Prometheus",
  )
  .version(version, "-V, --version", "print the hypersweep version")
  .option("--state-dir <dir>", "folder for the local stack's state (env HYPERSWEEP_STATE_DIR)")
  .showHelpAfterError()
  // Parse errors reach the catch below, so exitCodeOf is the one place exit codes are chosen.
  .exitOverride();

registerStackCommands(program);
registerWorkerCommand(program);
registerWorkersCommands(program);
registerSweepCommands(program);
registerDashboardsCommands(program);
registerReportCommand(program);
registerDemoCommand(program);
registerBackendCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  reportError(error);
  process.exitCode = exitCodeOf(error);
}
