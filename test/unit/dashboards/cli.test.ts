import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGrafana, startFakeGrafana } from "./fake-grafana";

const TOKEN = "glsa_cli_secret_token";
let grafana: FakeGrafana;
let stateDir: string;

beforeAll(async () => {
  grafana = await startFakeGrafana(TOKEN);
  stateDir = await mkdtemp(join(tmpdir(), "hs-cli-"));
});
afterAll(async () => {
  await grafana.close();
  await rm(stateDir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    // Only the variables under test: a vitest run's integration setup exports the test stack's.
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(GRAFANA_|HYPERSWEEP_|TEMPORAL_)/.test(k)),
    );
    execFile(
      process.execPath,
      ["bin/hypersweep.js", "--state-dir", stateDir, ...args],
      { env: { ...base, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe("hypersweep dashboards push", () => {
  it("pushes with the token from GRAFANA_TOKEN and never prints it", async () => {
    const run = await cli(["dashboards", "push", "--grafana-url", grafana.url], {
      GRAFANA_TOKEN: TOKEN,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Grafana 12\.1\.0: datasource created, folder hypersweep/);
    expect(run.stdout).toContain("hypersweep-comparison (version 1)");
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    expect(grafana.datasources.get("hypersweep-prometheus")?.url).toBe("http://127.0.0.1:9090");
  });

  it("explains a rejected token without echoing it", async () => {
    const run = await cli(["dashboards", "push"], {
      GRAFANA_URL: grafana.url,
      GRAFANA_TOKEN: "glsa_wrong_token",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/HTTP 401.*GRAFANA_TOKEN/);
    expect(run.stderr).not.toContain("glsa_wrong_token");
  });

  it("asks for a URL when none is given", async () => {
    const run = await cli(["dashboards", "push"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--grafana-url/);
  });
});
