import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { connectHost, type HypersweepConfig } from "../../config";
import { StackError } from "./types";

/** The committed config (`promtool check config` passes on it). */
export const PROMETHEUS_TEMPLATE = fileURLToPath(
  new URL("../prometheus/prometheus.yml", import.meta.url),
);

const SELF_JOB = "prometheus";
const WORKERS_JOB = "hypersweep-workers";

interface ScrapeConfig {
  job_name: string;
  honor_labels?: boolean;
  static_configs?: { targets: string[] }[];
  file_sd_configs?: { files: string[]; refresh_interval?: string }[];
  http_sd_configs?: { url: string; refresh_interval?: string }[];
}

/**
 * Writes `<stateDir>/prometheus/prometheus.yml` from the committed template, with the
 * workers' file_sd glob absolute (`config.prometheus.sdDir`) and the self-scrape on our port.
 * Returns the rendered file's path.
 */
export function renderPrometheusConfig(config: HypersweepConfig): string {
  const doc = parse(readFileSync(PROMETHEUS_TEMPLATE, "utf8")) as {
    scrape_configs?: ScrapeConfig[];
  };
  const jobs = doc.scrape_configs ?? [];
  const self = jobs.find((j) => j.job_name === SELF_JOB);
  const workers = jobs.find((j) => j.job_name === WORKERS_JOB);
  if (!self || !workers?.file_sd_configs?.[0]) {
    throw new StackError(
      `${PROMETHEUS_TEMPLATE}: expected jobs "${SELF_JOB}" and "${WORKERS_JOB}"`,
    );
  }
  // Where the stack's own servers answer (loopback, or the `stack up --listen` address).
  const host = connectHost(config.stack.host);
  self.static_configs = [{ targets: [`${host}:${config.prometheus.port}`] }];
  workers.file_sd_configs[0].files = [join(config.prometheus.sdDir, "*.json")];
  // Workers of every machine, from the bucket's registry (the stack's discovery server).
  const refresh = workers.http_sd_configs?.[0]?.refresh_interval ?? "5s";
  workers.http_sd_configs = [
    { url: `http://${host}:${config.prometheus.discoveryPort}/sd`, refresh_interval: refresh },
  ];
  // Workers' own pool/worker labels must win over the target's, or they become exported_*.
  workers.honor_labels = true;
  mkdirSync(config.prometheus.sdDir, { recursive: true });
  const dir = join(config.stateDir, "prometheus");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out = join(dir, "prometheus.yml");
  writeFileSync(
    out,
    `# Rendered by hypersweep stack up from ${PROMETHEUS_TEMPLATE}\n${stringify(doc)}`,
  );
  return out;
}
