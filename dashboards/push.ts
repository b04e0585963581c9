import { buildDashboards } from "./build";
import { DATASOURCE_UID } from "./common";
import { GrafanaClient, GrafanaError } from "./grafana-client";

export { GrafanaError, type GrafanaErrorKind } from "./grafana-client";

export interface PushOptions {
  grafanaUrl: string;
  /** The revealed service account token; sent only in the Authorization header. */
  token?: string;
  /** Folder title; its uid is derived from it, so pushes are idempotent. */
  folder?: string;
  /** The Prometheus the datasource points at (as Grafana's server reaches it). */
  prometheusUrl: string;
}

export interface PushResult {
  grafanaVersion: string;
  datasource: "created" | "updated";
  folderUid: string;
  dashboards: Array<{ uid: string; url: string; version: number }>;
}

export const DEFAULT_FOLDER = "Hypersweep";

/** Folder uid from its title: lower-case slug, at most 40 characters (Grafana's limit). */
export function folderUidOf(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return (slug || "hypersweep").slice(0, 40);
}

/** The datasource body for POST /api/datasources and PUT /api/datasources/uid/:uid. */
export function datasourceBody(prometheusUrl: string) {
  return {
    uid: DATASOURCE_UID,
    name: "Hypersweep Prometheus",
    type: "prometheus",
    access: "proxy",
    url: prometheusUrl,
    isDefault: false,
    jsonData: { httpMethod: "POST", timeInterval: "15s" },
  };
}

async function checkGrafana(client: GrafanaClient): Promise<string> {
  const { body } = await client.request("GET", "/api/health", "the health check");
  const version = (body as { version?: unknown } | undefined)?.version;
  if (typeof version !== "string") {
    throw new GrafanaError(
      `${client.baseUrl}/api/health did not answer like Grafana: check --grafana-url / GRAFANA_URL`,
      "url",
    );
  }
  return version;
}

async function upsertDatasource(client: GrafanaClient, prometheusUrl: string) {
  const path = `/api/datasources/uid/${DATASOURCE_UID}`;
  const what = `datasource ${DATASOURCE_UID}`;
  const found = await client.request("GET", path, `reading ${what}`, { ok: [200, 404] });
  const body = datasourceBody(prometheusUrl);
  if (found.status === 200) {
    await client.request("PUT", path, `updating ${what}`, { body });
    return "updated" as const;
  }
  await client.request("POST", "/api/datasources", `creating ${what}`, { body });
  return "created" as const;
}

async function ensureFolder(client: GrafanaClient, title: string): Promise<string> {
  const uid = folderUidOf(title);
  const what = `folder ${uid}`;
  const found = await client.request("GET", `/api/folders/${uid}`, `reading ${what}`, {
    ok: [200, 404],
  });
  if (found.status === 404) {
    await client.request("POST", "/api/folders", `creating ${what}`, { body: { uid, title } });
  }
  return uid;
}

/**
 * Creates or updates the Prometheus datasource, the folder and the three dashboards in a
 * Grafana through its HTTP API. Idempotent: everything is addressed by uid and dashboards
 * are saved with `overwrite: true`.
 *
 * @example
 * await pushDashboards({ grafanaUrl: "http://127.0.0.1:3000", token: config.grafana.token?.reveal(),
 *   prometheusUrl: config.prometheus.url });
 */
export async function pushDashboards(options: PushOptions): Promise<PushResult> {
  const client = new GrafanaClient(options.grafanaUrl, options.token);
  const grafanaVersion = await checkGrafana(client);
  const datasource = await upsertDatasource(client, options.prometheusUrl);
  const folderUid = await ensureFolder(client, options.folder ?? DEFAULT_FOLDER);
  const dashboards: PushResult["dashboards"] = [];
  for (const [uid, json] of Object.entries(buildDashboards())) {
    const body = {
      dashboard: { ...json, id: null },
      folderUid,
      overwrite: true,
      message: "hypersweep dashboards push",
    };
    const res = await client.request("POST", "/api/dashboards/db", `saving dashboard ${uid}`, {
      body,
    });
    const saved = res.body as { url?: string; version?: number };
    // Grafana's `url` already includes any sub-path it is served under.
    const url = new URL(saved.url ?? `/d/${uid}`, client.baseUrl).toString();
    dashboards.push({ uid, url, version: saved.version ?? 0 });
  }
  return { grafanaVersion, datasource, folderUid, dashboards };
}
