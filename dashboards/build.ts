import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UIDS } from "./common";
import { comparisonDashboard } from "./comparison";
import { outcomeDashboard } from "./outcome";
import { overviewDashboard } from "./overview";

/** Where the committed JSON lives (read by Grafana's file provisioning). */
export const BUILD_DIR = join(dirname(fileURLToPath(import.meta.url)), "build");

/** Stable panel ids (1, 2, ...): repeats and links need them; the builders leave them unset. */
function numberPanels(dashboard: { panels?: Array<{ id?: number }> }) {
  (dashboard.panels ?? []).forEach((panel, i) => {
    panel.id = i + 1;
  });
  return dashboard;
}

/** Every dashboard as Grafana JSON, keyed by uid. Pure and deterministic. */
export function buildDashboards(): Record<string, object> {
  // JSON round trip drops the builders' undefined fields, as Grafana would store them.
  const plain = (d: object) => numberPanels(JSON.parse(JSON.stringify(d))) as object;
  return {
    [UIDS.overview]: plain(overviewDashboard()),
    [UIDS.comparison]: plain(comparisonDashboard()),
    [UIDS.outcome]: plain(outcomeDashboard()),
  };
}

/** The exact file content written for a dashboard. */
export const dashboardFileContent = (json: object) => `${JSON.stringify(json, null, 2)}\n`;

/** Writes `<dir>/<uid>.json` for every dashboard; returns the paths written. */
export async function writeDashboards(dir = BUILD_DIR): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [uid, json] of Object.entries(buildDashboards())) {
    const file = join(dir, `${uid}.json`);
    await writeFile(file, dashboardFileContent(json));
    written.push(file);
  }
  return written;
}

// `tsx dashboards/build.ts` regenerates the committed JSON (same as `hypersweep dashboards build`).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeDashboards().then(
    (files) => process.stdout.write(`${files.join("\n")}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
