import type { Command } from "commander";

// Placeholder: replaced by the dashboards implementation.
export function registerDashboardsCommands(program: Command): void {
  program.command("dashboards").description("(in progress)");
}
