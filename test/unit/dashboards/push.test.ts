import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DATASOURCE_UID, UIDS } from "../../../dashboards";
import {
  DEFAULT_FOLDER,
  folderUidOf,
  GrafanaError,
  pushDashboards,
} from "../../../dashboards/push";
import { type FakeGrafana, startFakeGrafana } from "./fake-grafana";

const TOKEN = "glsa_test_token_value";
const PROMETHEUS = "http://127.0.0.1:9090";
let grafana: FakeGrafana;

beforeEach(async () => {
  grafana = await startFakeGrafana(TOKEN);
});
afterEach(async () => {
  await grafana.close();
});

const push = (overrides: Partial<Parameters<typeof pushDashboards>[0]> = {}) =>
  pushDashboards({
    grafanaUrl: grafana.url,
    token: TOKEN,
    prometheusUrl: PROMETHEUS,
    ...overrides,
  });

async function pushError(overrides: Partial<Parameters<typeof pushDashboards>[0]> = {}) {
  const error = await push(overrides).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrafanaError);
  expect(String((error as Error).message)).not.toContain(TOKEN);
  return error as GrafanaError;
}

describe("dashboards push", () => {
  it("creates the datasource, the folder and the three dashboards with Bearer auth", async () => {
    const result = await push();
    expect(result.grafanaVersion).toBe("12.1.0");
    expect(result.datasource).toBe("created");
    expect(result.folderUid).toBe(folderUidOf(DEFAULT_FOLDER));
    expect(grafana.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /api/health",
      `GET /api/datasources/uid/${DATASOURCE_UID}`,
      "POST /api/datasources",
      "GET /api/folders/hypersweep",
      "POST /api/folders",
      "POST /api/dashboards/db",
      "POST /api/dashboards/db",
      "POST /api/dashboards/db",
    ]);
    for (const r of grafana.requests.slice(1)) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
    expect(grafana.datasources.get(DATASOURCE_UID)).toMatchObject({
      type: "prometheus",
      url: PROMETHEUS,
      access: "proxy",
    });
    expect([...grafana.dashboards.keys()].sort()).toEqual(Object.values(UIDS).sort());
    for (const saved of grafana.dashboards.values()) expect(saved.folderUid).toBe("hypersweep");
    expect(result.dashboards[0]?.url).toMatch(new RegExp(`^${grafana.url}/d/`));
  });

  it("is idempotent: a second push updates by uid and creates nothing new", async () => {
    await push();
    grafana.requests.length = 0;
    const result = await push();
    expect(result.datasource).toBe("updated");
    expect(grafana.requests.map((r) => `${r.method} ${r.path}`)).not.toContain("POST /api/folders");
    expect(grafana.requests.map((r) => r.method)).toContain("PUT");
    expect(grafana.dashboards.size).toBe(3);
    expect(result.dashboards.map((d) => d.version)).toEqual([2, 2, 2]);
  });

  it("puts dashboards in the named folder", async () => {
    const result = await push({ folder: "ML Sweeps / Team A" });
    expect(result.folderUid).toBe("ml-sweeps-team-a");
    expect(grafana.folders.get("ml-sweeps-team-a")?.title).toBe("ML Sweeps / Team A");
  });

  it("maps 401 to a token error", async () => {
    const error = await pushError({ token: "wrong" });
    expect(error.kind).toBe("token");
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/GRAFANA_TOKEN/);
  });

  it("maps 403 to a token error", async () => {
    grafana.failNext("/api/dashboards/db", 403, { message: "Permission denied" });
    const error = await pushError();
    expect([error.kind, error.status]).toEqual(["token", 403]);
  });

  it("maps 404 to a URL error", async () => {
    const error = await pushError({ grafanaUrl: `${grafana.url}/not-grafana` });
    expect([error.kind, error.status]).toEqual(["url", 404]);
    expect(error.message).toMatch(/--grafana-url/);
  });

  it("maps a refused connection to a URL error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await pushError({ grafanaUrl: `http://127.0.0.1:${port}` });
    expect(error.kind).toBe("url");
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it("maps 412 to a version-conflict error", async () => {
    grafana.failNext("/api/dashboards/db", 412, {
      status: "version-mismatch",
      message: "The dashboard has been changed by someone else",
    });
    const error = await pushError();
    expect([error.kind, error.status]).toEqual(["conflict", 412]);
    expect(error.message).toMatch(/changed by someone else/);
  });
});
