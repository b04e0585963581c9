import type { Command } from "commander";
import { loadConfig } from "../../config";
import { writeDashboards } from "../../dashboards/build";
import { pushDashboards } from "../../dashboards/push";
import { UsageError } from "../../errors";

export interface PushFlags {
  grafanaUrl?: string;
  folder?: string;
  prometheusUrl?: string;
}

export async function push(flags: PushFlags, program: Command): Promise<void> {
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
    ...(flags.folder ? { folder: flags.folder } : {}),
    prometheusUrl: flags.prometheusUrl ?? config.prometheus.url,
  });
  const lines = [
    `Grafana ${result.grafanaVersion}: datasource ${result.datasource}, folder ${result.folderUid}`,
    ...result.dashboards.map((d) => `  ${d.uid} (version ${d.version}): ${d.url}`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** `dashboards build`: writes the JSON and lists the files. */
export async function build(): Promise<void> {
  const files = await writeDashboards();
  process.stdout.write(`${files.join("\n")}\n`);
}
