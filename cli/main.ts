import { Command } from "commander";
import { exitCodeOf, reportError } from "./errors";
import { registerDashboardsCommands } from "./commands/dashboards";
import { registerStackCommands } from "./commands/stack";

const program = new Command("hypersweep")
  .description("Distributed hyper-parameter sweeps on Temporal, TensorFlow.js, MinIO and Prometheus")
  .option("--state-dir <dir>", "folder for the local stack's state (env HYPERSWEEP_STATE_DIR)")
  .showHelpAfterError();

registerStackCommands(program);
registerDashboardsCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  reportError(error);
  process.exitCode = exitCodeOf(error);
}
