import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config";
import { collectQueries, collectVariableQueries, renderExpr } from "../../dashboards";
import {
  createWorkerMetrics,
  registerScrapeTarget,
  startMetricsServer,
  type TrialLabels,
} from "../../metrics";
import { fixtureTrialLabels } from "../fixtures/trial-labels";

/**
 * Every dashboard query against the real Prometheus of the test stack, fed by a real worker
 * metrics endpoint registered through file_sd and driven by a small simulated sweep. (The
 * lead's end-to-end check repeats this after a real sweep.)
 */
const config = loadConfig(process.env);
const SWEEP = `sw-dash-${process.pid}`;

interface Series {
  metric: Record<string, string>;
}

async function prom(path: string, params: Record<string, string>): Promise<Series[]> {
  const res = await fetch(`${config.prometheus.url}${path}?${new URLSearchParams(params)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: Series[] } };
  if (body.status !== "success") throw new Error(`${params.query}: ${body.error}`);
  return body.data.result;
}

const sgd: TrialLabels[] = ["0.01", "0.1"].flatMap((lr, i) =>
  ["0", "0.9"].map((momentum, j) =>
    fixtureTrialLabels({ sweep: SWEEP, trial: `t-${i}${j}`.padEnd(18, "0"), lr, momentum }),
  ),
);
/** Same lr and momentum as sgd's first trial: the matrix must not average the two. */
const rmsprop: TrialLabels = {
  ...(sgd[0] as TrialLabels),
  trial: "t-rms".padEnd(18, "0"),
  optimizer: "rmsprop",
};
const trials = [...sgd, rmsprop];

/** The last validation metric the simulation reports for a trial (see `simulateSweep`). */
const finalMetric = (t: TrialLabels, epochs: number) =>
  1 - 1 / (epochs * Number(t.lr) * 100 * (t.optimizer === "rmsprop" ? 4 : 1)) / 1.8;

async function simulateSweep(metrics: ReturnType<typeof createWorkerMetrics>, epochs: number) {
  metrics.setBackend("cpu");
  metrics.setSlots(trials.length, trials.length);
  for (const [i, t] of trials.entries()) metrics.trialStarted(t, i === 3 ? 2 : 1);
  metrics.resumed(trials[3] as TrialLabels, 1);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const t of trials) {
      const loss = 1 / (epoch * Number(t.lr) * 100 * (t.optimizer === "rmsprop" ? 4 : 1));
      const record = { epoch, trainLoss: loss, valLoss: loss * 1.1, seconds: 0.05 * epoch };
      metrics.epoch(t, { ...record, trainMetric: 1 - loss / 2, valMetric: 1 - loss / 1.8 });
      metrics.checkpointWritten(t);
    }
    if (epoch === epochs - 2) {
      metrics.trialFinished(trials[0] as TrialLabels, "completed", 3);
      metrics.trialFinished(trials[1] as TrialLabels, "diverged", 2);
    }
    await sleep(1000);
  }
}

async function instant(expr: string, builtins: Record<string, string>, end: number, extra = {}) {
  const query = renderExpr(expr, { ...builtins, sweep: SWEEP, ...extra });
  return (await prom("/api/v1/query", { query, time: String(end) })) as Array<
    Series & { value: [number, string] }
  >;
}

/** The panels' numbers, not only their labels: whole trial counts, per-optimizer outcome, health. */
async function checkValues(builtins: Record<string, string>, end: number, epochs: number) {
  const expr = (panel: string) =>
    collectQueries().find((q) => q.panel.startsWith(panel))?.expr ?? "";
  const status = await instant(expr("Trials by status"), builtins, end);
  const counts = Object.fromEntries(status.map((s) => [s.metric.status, Number(s.value[1])]));
  expect(counts).toEqual({ completed: 1, diverged: 1, failed: 0, cancelled: 0 });

  const matrix = await instant(expr("Final validation accuracy"), builtins, end, {
    optimizer: "sgd",
  });
  const cell = matrix.find((s) => s.metric.lr === "0.01" && s.metric.momentum === "0");
  expect(matrix.every((s) => s.metric.optimizer === "sgd")).toBe(true);
  expect(Number(cell?.value[1])).toBeCloseTo(finalMetric(sgd[0] as TrialLabels, epochs), 6);

  const up = await instant(expr("Workers up per pool"), builtins, end);
  expect(up.find((s) => s.metric.pool === "cpu")?.value[1]).toBe("1");
  const health = collectQueries().filter((q) => q.panel === "Worker health");
  for (const q of health) {
    const rows = await instant(q.expr, builtins, end);
    const mine = rows.find((s) => s.metric.worker === `it-${process.pid}`);
    expect(mine, q.expr).toBeDefined();
    if (q.refId === "B" || q.refId === "C") {
      // Seconds since a scrape: within the 5 min lookback (B) or the range (C), by construction.
      const age = Number(mine?.value[1]);
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThanOrEqual(
        q.refId === "B" ? 300 : Number.parseInt(builtins.__range ?? "0", 10),
      );
    }
  }
}

describe("dashboard queries on the real Prometheus", () => {
  it("each answers with series carrying its legend's labels", async () => {
    const metrics = createWorkerMetrics({
      pool: "cpu",
      worker: `it-${process.pid}`,
      graceMs: 600_000,
    });
    const server = await startMetricsServer({ registry: metrics.registry, port: 0 });
    const target = await registerScrapeTarget({
      sdDir: config.prometheus.sdDir,
      workerId: `it-dashboards-${process.pid}`,
      host: "127.0.0.1",
      port: server.port,
      labels: { pool: "cpu", worker: `it-${process.pid}` },
    });
    const start = Date.now() / 1000;
    try {
      await simulateSweep(metrics, 14);
      await sleep(6000); // let the last values be scraped
      const end = Date.now() / 1000;
      const range = `${Math.ceil(end - start) + 5}s`;
      const builtins = { __range: range, __rate_interval: "10s", __interval: "2s" };
      const problems: string[] = [];
      for (const by of ["lr", "momentum", "optimizer"]) {
        const cell = (trials[0] as unknown as Record<string, string>)[by] ?? "";
        for (const metric of ["loss", "metric"]) {
          const values = { ...builtins, sweep: SWEEP, by, cell, metric, optimizer: "sgd" };
          // The simulated sweep is a classification one (see `trials`).
          for (const q of collectQueries().filter(
            (q) => (q.task ?? "classification") === "classification",
          )) {
            const query = renderExpr(q.expr, values);
            const result = q.instant
              ? await prom("/api/v1/query", { query, time: String(end) })
              : await prom("/api/v1/query_range", {
                  query,
                  start: String(start),
                  end: String(end),
                  step: "2",
                });
            const ok = result.some((s) => q.legendLabels.every((l) => s.metric[l]));
            if (!ok)
              problems.push(`${q.dashboard} / ${q.panel}: ${query} → ${result.length} series`);
          }
          for (const v of collectVariableQueries()) {
            const label = renderExpr(v.label, values);
            const res = await fetch(
              `${config.prometheus.url}/api/v1/label/${label}/values?${new URLSearchParams({ "match[]": renderExpr(v.match, values), start: String(start), end: String(end) })}`,
            );
            const found = ((await res.json()) as { data: string[] }).data;
            if (found.length === 0) problems.push(`${v.dashboard} $${v.variable}: no values`);
          }
        }
      }
      expect(problems).toEqual([]);
      await checkValues(builtins, end, 14);
    } finally {
      await target.unregister();
      await server.close();
      metrics.stop();
    }
  });
});
