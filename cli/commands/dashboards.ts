import type { Command } from "commander";
import type { PushFlags } from "../actions/dashboards";

// Loaded when a command runs, so `--help` stays fast.
const actions = () => import("../actions/dashboards");

/** `hypersweep dashboards build|push`. */
export function registerDashboardsCommands(program: Command): void {
  const dashboards = program
    .command("dashboards")
    .description("Grafana dashboards: build the JSON, or push it to a Grafana");
  dashboards
    .command("build")
    .description("write dashboards/build/<uid>.json from the dashboards' code")
    .action(async () => (await actions()).build());
  dashboards
    .command("push")
    .description("create or update the datasource and dashboards through Grafana's HTTP API")
    .option("--grafana-url <url>", "Grafana's base URL (env GRAFANA_URL); token from GRAFANA_TOKEN")
    .option("--folder <name>", "folder to put the dashboards in (default: Hypersweep)")
    .option(
      "--prometheus-url <url>",
      "Prometheus URL as Grafana's server reaches it (default: the stack's)",
    )
    .action(async (flags: PushFlags) => (await actions()).push(flags, program));
}
