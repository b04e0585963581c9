import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BUILD_DIR,
  buildDashboards,
  collectQueries,
  DATASOURCE_UID,
  dashboardFileContent,
  UIDS,
} from "../../../dashboards";
import { BY_VALUES } from "../../../dashboards/comparison";

interface Panel {
  type: string;
  title: string;
  id?: number;
  repeat?: string;
  datasource?: { uid?: string };
  targets?: Array<{ expr?: string; datasource?: { uid?: string } }>;
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; options?: Array<{ value: string }> }> };
}

const dashboards = buildDashboards() as Record<string, Dashboard>;

describe("dashboards as code", () => {
  it("has committed JSON that equals a fresh build (run `hypersweep dashboards build`)", () => {
    const files = readdirSync(BUILD_DIR)
      .filter((f) => f.endsWith(".json"))
      .sort();
    expect(files).toEqual(
      Object.values(UIDS)
        .map((uid) => `${uid}.json`)
        .sort(),
    );
    for (const [uid, json] of Object.entries(dashboards)) {
      const committed = readFileSync(join(BUILD_DIR, `${uid}.json`), "utf8");
      expect(committed, `${uid}.json is stale`).toBe(dashboardFileContent(json));
    }
  });

  it("builds deterministically", () => {
    expect(JSON.stringify(buildDashboards())).toBe(JSON.stringify(dashboards));
  });

  it("gives every panel a query on the hypersweep datasource and a unique id", () => {
    for (const [uid, d] of Object.entries(dashboards)) {
      expect(d.uid).toBe(uid);
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, uid).toBe(ids.length);
      for (const panel of d.panels.filter((p) => p.type !== "row")) {
        expect(panel.targets?.length, `${uid} / ${panel.title}`).toBeGreaterThan(0);
        expect(panel.datasource?.uid).toBe(DATASOURCE_UID);
        for (const t of panel.targets ?? []) {
          expect(t.expr).toMatch(/hypersweep_|up\{job="hypersweep-workers"\}/);
          expect(t.datasource?.uid).toBe(DATASOURCE_UID);
        }
      }
    }
  });

  it("repeats the comparison panel per value of the chosen hyper-parameter", () => {
    const d = dashboards[UIDS.comparison] as Dashboard;
    const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v]));
    expect(Object.keys(vars)).toEqual(["sweep", "by", "metric", "cell"]);
    expect(vars.by?.options?.map((o) => o.value)).toEqual([...BY_VALUES]);
    expect(vars.metric?.options?.map((o) => o.value)).toEqual(["loss", "metric"]);
    expect(vars.sweep?.type).toBe("query");
    const grid = d.panels.filter((p) => p.repeat === "cell");
    expect(grid).toHaveLength(1);
    expect(grid[0]?.targets?.map((t) => t.expr)).toEqual([
      'hypersweep_trial_$metric{sweep="$sweep", $by="$cell", split="train"}',
      'hypersweep_trial_$metric{sweep="$sweep", $by="$cell", split="validation"}',
    ]);
  });

  it("covers what the issue asks of the overview and the outcome", () => {
    const titles = (uid: string) => (dashboards[uid] as Dashboard).panels.map((p) => p.title);
    expect(titles(UIDS.overview)).toEqual(
      expect.arrayContaining([
        "Trials by status",
        "Throughput (trials/min)",
        "Retries, resumes and checkpoints",
        "Running trials: epoch",
        "Worker slots per pool",
        "Epoch duration quantiles",
      ]),
    );
    expect(titles(UIDS.outcome)).toEqual([
      "Final validation accuracy (classification), $optimizer: lr × momentum",
      "Final validation MSE (regression), $optimizer: lr × momentum",
      "Leaderboard",
    ]);
  });

  it("collects every query with the labels its legend uses", () => {
    const queries = collectQueries();
    const panelTargets = Object.values(dashboards).flatMap((d) =>
      d.panels.flatMap((p) => p.targets ?? []),
    );
    expect(queries).toHaveLength(panelTargets.length);
    const grid = queries.find((q) => q.dashboard === UIDS.comparison);
    expect(grid?.legendLabels).toEqual(["optimizer", "lr", "momentum", "seed"]);
    const board = queries.find((q) => q.panel === "Leaderboard");
    expect(board?.instant).toBe(true);
    expect(board?.legendLabels).toEqual(["trial", "optimizer", "lr", "momentum", "seed"]);
  });

  it("colours the outcome grid green where the metric is better for the task", () => {
    const grids = (dashboards[UIDS.outcome] as Dashboard).panels.filter((p) =>
      p.title.includes("lr × momentum"),
    ) as Array<Panel & { fieldConfig: { defaults: { color: { mode: string } } } }>;
    const modeOf = (task: string) => {
      const panel = grids.find((p) => p.targets?.[0]?.expr?.includes(`task="${task}"`));
      return panel?.fieldConfig.defaults.color.mode;
    };
    // Accuracy: higher is better (red → green); MSE: lower is better (green → red).
    expect(modeOf("classification")).toBe("continuous-RdYlGr");
    expect(modeOf("regression")).toBe("continuous-GrYlRd");
    const tasks = collectQueries().filter((q) => q.task);
    expect(tasks.map((q) => q.task).sort()).toEqual(["classification", "regression"]);
  });

  it("never averages optimizers together in the outcome matrix: one matrix per optimizer", () => {
    const d = dashboards[UIDS.outcome] as Dashboard;
    const grids = d.panels.filter((p) => p.title.includes("lr × momentum"));
    expect(grids).toHaveLength(2);
    for (const grid of grids) {
      expect(grid.repeat).toBe("optimizer");
      const expr = grid.targets?.[0]?.expr ?? "";
      expect(expr).toMatch(/^avg by \(optimizer, lr, momentum\)/);
      expect(expr).toContain('optimizer="$optimizer"');
    }
    const optimizer = d.templating.list.find((v) => v.name === "optimizer");
    expect(optimizer?.type).toBe("query");
  });

  it("counts trials by status in whole trials, not increase()'s extrapolated fractions", () => {
    const d = dashboards[UIDS.overview] as Dashboard;
    const panel = d.panels.find((p) => p.title === "Trials by status") as Panel & {
      fieldConfig: { defaults: { decimals?: number } };
    };
    for (const t of panel.targets ?? []) expect(t.expr).not.toMatch(/\b(increase|rate)\(/);
    expect(panel.targets?.[0]?.expr).toContain("max_over_time(hypersweep_trials_finished_total");
    expect(panel.fieldConfig.defaults.decimals).toBe(0);
  });

  it("has a worker-health row and links to the report and the Temporal UI", () => {
    for (const uid of [UIDS.overview, UIDS.outcome]) {
      const d = dashboards[uid] as Dashboard & { links: Array<{ title: string; url: string }> };
      const names = new Set(d.templating.list.map((v) => v.name));
      expect(d.links.map((l) => l.title)).toEqual(["HTML report", "Temporal UI"]);
      for (const link of d.links) {
        const used = [...link.url.matchAll(/\$([a-z_]+)/g)].map((m) => m[1] ?? "");
        expect(used.length, link.url).toBeGreaterThan(1);
        for (const name of used) expect(names.has(name), `${link.url}: $${name}`).toBe(true);
      }
      expect(d.links[1]?.url).toBe("$temporal_ui/namespaces/$namespace/workflows/$sweep");
    }
    const overview = dashboards[UIDS.overview] as Dashboard;
    const rows = overview.panels.filter((p) => p.type === "row").map((p) => p.title);
    expect(rows.at(-1)).toBe("Worker health");
    const health = overview.panels.slice(
      overview.panels.findIndex((p) => p.title === "Worker health" && p.type === "row"),
    );
    const exprs = health.flatMap((p) => p.targets ?? []).map((t) => t.expr ?? "");
    expect(exprs.some((e) => e.includes('sum by (pool) (up{job="hypersweep-workers"})'))).toBe(
      true,
    );
    expect(exprs.some((e) => e.includes('time() - timestamp(up{job="hypersweep-workers"})'))).toBe(
      true,
    );
  });
});
