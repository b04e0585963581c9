import type { Command } from "commander";
import { loadConfig } from "../../config";
import { writeDashboards } from "../../dashboards/build";
import { DEFAULT_FOLDER, pushDashboards } from "../../dashboards/push";
import { UsageError } from "../../errors";

interface PushFlags {
  grafanaUrl?: string;
  folder: string;
  prometheusUrl?: string;
}

async function push(flags: PushFlags, program: Command): Promise<void> {
  const stateDir = program.opts<{ stateDir?: string }>().stateDir;
  const config = loadConfig(process.env, {
    ...(stateDir ? { stateDir } : {}),
    ...(flags.grafanaUrl ? { grafanaUrl: flags.grafanaUrl } : {}),
  });
  const grafanaUrl = config.grafana.url;
  if (!grafanaUrl)
    throw new UsageError("dashboards push: give --grafana-url URL or set GRAFANA_URL");
  const result = await pushDashboards({
    grafanaUrl,
    token: config.grafana.token?.reveal(),
    folder: flags.folder,
    prometheusUrl: flags.prometheusUrl ?? config.prometheus.url,
  });
  const lines = [
    `Grafana ${result.grafanaVersion}: datasource ${result.datasource}, folder ${result.folderUid}`,
    ...result.dashboards.map((d) => `  ${d.uid} (version ${d.version}): ${d.url}`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** `hypersweep dashboards build|push`. */
export function registerDashboardsCommands(program: Command): void {
  const dashboards = program
    .command("dashboards")
    .description("Grafana dashboards: build the JSON, or push it to a Grafana");
  dashboards
    .command("build")
    .description("write dashboards/build/<uid>.json from the dashboards' code")
    .action(async () => {
      const files = await writeDashboards();
      process.stdout.write(`${files.join("\n")}\n`);
    });
  dashboards
    .command("push")
    .description("create or update the datasource and dashboards through Grafana's HTTP API")
    .option("--grafana-url <url>", "Grafana's base URL (env GRAFANA_URL); token from GRAFANA_TOKEN")
    .option("--folder <name>", "folder to put the dashboards in", DEFAULT_FOLDER)
    .option(
      "--prometheus-url <url>",
      "Prometheus URL as Grafana's server reaches it (default: the stack's)",
    )
    .action((flags: PushFlags) => push(flags, program));
}
