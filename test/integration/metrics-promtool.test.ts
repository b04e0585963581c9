import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { collectQueries, collectVariableQueries, renderExpr } from "../../dashboards";
import { createWorkerMetrics, startMetricsServer, type TrialLabels } from "../../metrics";
import { fixtureTrialLabels } from "../fixtures/trial-labels";

const run = promisify(execFile);
const PROMTOOL = existsSync("/usr/bin/promtool") ? "/usr/bin/promtool" : "promtool";

/** `promtool check metrics` reads the exposition from stdin; exit 0 means no lint problems. */
async function promtoolCheckMetrics(text: string) {
  return await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = execFile(PROMTOOL, ["check", "metrics"], (error, stdout, stderr) => {
      const code = error && typeof error.code === "number" ? error.code : error ? null : 0;
      if (error && code === null) reject(error);
      else resolve({ code, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(text);
  });
}

const trial = (i: number): TrialLabels =>
  fixtureTrialLabels({
    sweep: "sw-promtool",
    trial: `t-${i.toString(16).padStart(16, "0")}`,
    optimizer: i % 2 ? "adam" : "sgd",
    momentum: i % 2 ? "none" : "0.9",
    seed: String(i),
  });

describe("metrics exposition", () => {
  it("has a promtool that flags a misnamed metric (the check below is not vacuous)", async () => {
    const bad = "# HELP x_total a gauge\n# TYPE x_total gauge\nx_total 1\n";
    expect((await promtoolCheckMetrics(bad)).output).toMatch(/_total/);
  });

  it("passes `promtool check metrics` on a real /metrics scrape", async () => {
    await run(PROMTOOL, ["--version"]);
    const metrics = createWorkerMetrics({ pool: "cpu", worker: "it-1", graceMs: 60_000 });
    const server = await startMetricsServer({ registry: metrics.registry, port: 0 });
    try {
      metrics.setBackend("cpu");
      metrics.setSlots(2, 4);
      for (let i = 0; i < 3; i++) {
        const t = trial(i);
        metrics.trialStarted(t, i === 2 ? 2 : 1);
        if (i === 2) metrics.resumed(t, 1);
        for (let epoch = 1; epoch <= 3; epoch++) {
          metrics.epoch(t, {
            epoch,
            trainLoss: 1 / epoch,
            valLoss: 1.1 / epoch,
            trainMetric: 0.5 + epoch / 10,
            valMetric: 0.45 + epoch / 10,
            seconds: 0.01 * epoch,
          });
          metrics.checkpointWritten(t);
        }
      }
      metrics.trialFinished(trial(0), "completed", 0.06);
      metrics.trialFinished(trial(1), "diverged", 0.04);

      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      const text = await res.text();
      for (const name of ["hypersweep_trial_loss", "hypersweep_trials_finished_total"]) {
        expect(text).toContain(`# HELP ${name} `);
      }
      const { code, output } = await promtoolCheckMetrics(text);
      expect(output).toBe("");
      expect(code).toBe(0);
    } finally {
      await server.close();
      metrics.stop();
    }
  });
});

describe("dashboard PromQL", () => {
  it("parses with Prometheus' own parser (`promtool check rules`) for every variable value", async () => {
    const exprs = new Set<string>();
    for (const by of ["lr", "momentum", "optimizer"]) {
      for (const metric of ["loss", "metric"]) {
        const values = { sweep: "sw-1", by, metric, cell: "0.01", optimizer: "sgd" };
        for (const q of collectQueries()) exprs.add(renderExpr(q.expr, values));
        for (const v of collectVariableQueries()) exprs.add(renderExpr(v.match, values));
      }
    }
    const rules = [...exprs].map((expr, i) => ({ record: `hypersweep:check_${i}`, expr }));
    const dir = await mkdtemp(join(tmpdir(), "hs-promql-"));
    try {
      const file = join(dir, "rules.yml");
      await writeFile(file, stringify({ groups: [{ name: "dashboards", rules }] }));
      const { stdout } = await run(PROMTOOL, ["check", "rules", file]);
      expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
