import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectQueries, collectVariableQueries, renderExpr } from "../../dashboards";
import { TRIAL_LABELS, trialLabelsOf } from "../../metrics";
import { expandTrials, type SweepSpec, type TrialSpec, withSeeds } from "../../spec";
import type { SweepResult } from "../../workflows/definitions";
import {
  pendingTrials,
  prepare,
  RUN,
  SweepClient,
  seedSpec,
  spawnTrainingWorker,
  startSweep,
  startSweepWorker,
  stopChild,
  testConfig,
  waitFor,
} from "./support/harness";
import { fileSdTargets, prometheusApi, promtoolCheckMetrics } from "./support/prometheus";

const POOL = `metrics-${RUN}`;
const BASE_IDS = [`ma-${RUN}`, `mb-${RUN}`];
/** `hypersweep worker` runs one process per slot group, numbered: `<id>-0`. */
const WORKER_IDS = BASE_IDS.map((id) => `${id}-0`);
// Long enough that a trial is seen running across a few 2 s scrapes even on a quiet machine
// (120 epochs were not: 2 of 10 trials finished between two scrapes, about 2 s each).
const EPOCHS = 400;
const EVERY = 40;

/** Three seed experiments, shortened: classification (momenta, optimizers) and regression. */
async function specs(config: ReturnType<typeof testConfig>): Promise<SweepSpec[]> {
  const out: SweepSpec[] = [];
  for (const [file, patch] of [
    ["03-momentum.yaml", {}],
    ["04-optimizers.yaml", {}],
    // Regression: seed 1's data and rates, on seed 3's MLP, so that a trial trains for a few
    // scrapes (the linear model finishes its epochs within one 2 s scrape interval).
    ["01-linear-lr.yaml", { grid: { learningRate: [0.0001, 0.001] }, mlp: true }],
  ] as const) {
    const { spec, dir } = await seedSpec(file, (s) => ({
      ...s,
      name: `m-${s.name}-${RUN}`,
      grid: { ...s.grid, ...("grid" in patch ? patch.grid : {}) },
      training: { ...s.training, epochs: EPOCHS, checkpointEvery: EVERY },
      execution: { ...s.execution, pool: POOL, maxParallel: 2 },
      ...("mlp" in patch
        ? {
            dataset: { ...s.dataset, standardize: true },
            model: { type: "mlp", hidden: [128, 64], activation: "relu" },
            training: { ...s.training, epochs: EPOCHS, checkpointEvery: EVERY, batchSize: 32 },
          }
        : {}),
    }));
    out.push(await prepare(config, withSeeds(spec, [1]), dir));
  }
  return out;
}

const keyOf = (s: { sweep?: string; trial?: string }) => `${s.sweep}/${s.trial}`;

// Issue 5's "done when", on a real sweep: real training workers (child processes) serve
// /metrics, register through file_sd, and the stack's Prometheus scrapes them.
describe("metrics of a real sweep in the real Prometheus", () => {
  const config = testConfig();
  const prom = prometheusApi(config.prometheus.url);
  let client: SweepClient;
  let orchestrator: ReturnType<typeof startSweepWorker>;
  const workers = BASE_IDS.map((id) => spawnTrainingWorker(POOL, ["--worker-id", id]));

  beforeAll(async () => {
    client = await SweepClient.connect(config);
    orchestrator = startSweepWorker(config);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopChild(w)));
    await orchestrator?.stop();
    await client?.close();
  });

  it("holds the per-trial series of running trials, the counters of finished ones, and answers every dashboard query", async () => {
    const sweeps = await specs(config);
    const start = Math.floor(Date.now() / 1000) - 2;
    const ids = await Promise.all(sweeps.map((s) => startSweep(client, s)));
    const trials = new Map<string, TrialSpec[]>(ids.map((id, i) => [id, expandTrials(sweeps[i]!)]));
    const expected = new Map(
      [...trials].flatMap(([id, ts]) =>
        ts.map((t) => [`${id}/${t.trialId}`, trialLabelsOf(id, t)]),
      ),
    );
    const sweepMatch = `sweep=~"${ids.join("|")}"`;
    const results = Promise.all(ids.map((id) => client.handle(id).result()));

    // Mid-sweep: trials Temporal says are training show in Prometheus as running, fully labelled.
    const seenRunning = await waitFor(
      "a running trial's series in Prometheus",
      async () => {
        const pending = (await Promise.all(ids.map((id) => pendingTrials(client, id)))).flat();
        const live = await prom.query(`hypersweep_trial_running{${sweepMatch}} == 1`);
        const running = pending.filter((p) => p.epoch >= 2).map((p) => p.trialId);
        const found = live.filter((s) => running.includes(s.metric.trial));
        return found.length > 0 ? found : undefined;
      },
      90_000,
    );
    for (const s of seenRunning) {
      expect(s.metric).toMatchObject({ ...expected.get(keyOf(s.metric)), pool: POOL });
      expect(WORKER_IDS).toContain(s.metric.worker);
    }

    // Mid-sweep: promtool lints each worker's real exposition, found through its file_sd file.
    const targets = await fileSdTargets(config.prometheus.sdDir);
    for (const id of WORKER_IDS) {
      const target = targets.get(id);
      expect(target, `file_sd entry of ${id}`).toBeDefined();
      const text = await (await fetch(`http://${target}/metrics`)).text();
      expect(text).toContain("hypersweep_worker_slots ");
      const lint = await promtoolCheckMetrics(text);
      expect(lint.output).toBe("");
      expect(lint.code).toBe(0);
    }

    const done: SweepResult[] = await results;
    await checkFinished(prom, ids, done, trials, start);
    const end = Math.ceil(Date.now() / 1000);

    // Every trial had its series while it ran (each runs for several scrapes), with the
    // labels of its hyper-parameters, its worker and pool, and no `exported_*` clash.
    const all = await prom.series(`{__name__=~"hypersweep_.+", ${sweepMatch}}`, start, end);
    expect(all.filter((l) => Object.keys(l).some((k) => k.startsWith("exported_")))).toEqual([]);
    const perTrial = all.filter((l) => l.__name__ === "hypersweep_trial_epoch");
    expect(new Set(perTrial.map(keyOf))).toEqual(new Set(expected.keys()));
    for (const labels of perTrial) {
      for (const name of TRIAL_LABELS) expect(labels[name], name).toBeTruthy();
      expect(labels).toMatchObject({ ...expected.get(keyOf(labels)), pool: POOL });
    }
    const wasRunning = await prom.query(
      `max_over_time(hypersweep_trial_running{${sweepMatch}}[${end - start}s])`,
      end,
    );
    expect(
      new Set(wasRunning.filter((s) => s.value?.[1] === "1").map((s) => keyOf(s.metric))),
    ).toEqual(new Set(expected.keys()));

    await checkDashboards(prom, ids, trials, start, end);
  });
});

type Prom = ReturnType<typeof prometheusApi>;

/** Counters of every finished trial: statuses, checkpoints, epoch and trial durations. */
async function checkFinished(
  prom: Prom,
  ids: string[],
  done: SweepResult[],
  trials: Map<string, TrialSpec[]>,
  start: number,
) {
  for (const [i, id] of ids.entries()) {
    const result = done[i]!;
    expect(result.total).toBe(trials.get(id)?.length);
    expect(result.counts.failed + result.counts.cancelled).toBe(0);
    const sel = `sweep="${id}"`;
    // The last trial's end reaches Prometheus with the next scrape (2 s).
    const byStatus = await waitFor(
      `finished counters of ${id}`,
      async () => {
        const answer = await prom.query(
          `sum by (status) (hypersweep_trials_finished_total{${sel}})`,
        );
        const counts: Record<string, number> = Object.fromEntries(
          answer.map((s) => [s.metric.status, Number(s.value?.[1])]),
        );
        const sum = Object.values(counts).reduce((a, b) => a + b, 0);
        return sum === result.total ? counts : undefined;
      },
      20_000,
    );
    expect(byStatus).toEqual(result.counts);
    const one = async (q: string) => Number((await prom.query(q))[0]?.value?.[1] ?? Number.NaN);
    expect(await one(`sum(hypersweep_trials_started_total{${sel}})`)).toBe(result.total);
    expect(await one(`sum(hypersweep_trial_duration_seconds_count{${sel}})`)).toBe(result.total);
    // Completed trials checkpoint at every EVERY-th epoch; diverged ones stop early.
    const checkpoints = await one(`sum(hypersweep_checkpoints_written_total{${sel}})`);
    expect(checkpoints).toBeGreaterThanOrEqual(result.counts.completed * (EPOCHS / EVERY));
    const epochs = await one(`sum(hypersweep_epoch_duration_seconds_count{${sel}})`);
    const finalEpochs = await prom.query(
      `sum(last_over_time(hypersweep_trial_epoch{${sel}}[${Math.ceil(Date.now() / 1000) - start}s]))`,
    );
    expect(epochs).toBe(Number(finalEpochs[0]?.value?.[1]));
    expect(epochs).toBeGreaterThanOrEqual(result.counts.completed * EPOCHS);
    const buckets = await prom.query(`hypersweep_epoch_duration_seconds_bucket{${sel}, le="+Inf"}`);
    expect(buckets.length).toBeGreaterThan(0);
  }
}

/** The variable values a user can pick for one sweep: each `by`, each of its cells, each optimizer. */
function choices(id: string, trials: TrialSpec[]) {
  const labels = trials.map((t) => trialLabelsOf(id, t) as unknown as Record<string, string>);
  const optimizers = [...new Set(labels.map((l) => l.optimizer ?? ""))];
  return ["lr", "momentum", "optimizer"].flatMap((by) =>
    [...new Set(labels.map((l) => l[by] ?? ""))].flatMap((cell) =>
      ["loss", "metric"].flatMap((metric) =>
        optimizers.map((optimizer) => ({ sweep: id, by, cell, metric, optimizer })),
      ),
    ),
  );
}

/** Every dashboard expression and variable, rendered for each sweep and choice, answers. */
async function checkDashboards(
  prom: Prom,
  ids: string[],
  trials: Map<string, TrialSpec[]>,
  start: number,
  end: number,
) {
  const builtins = { __range: `${end - start}s`, __rate_interval: "10s", __interval: "2s" };
  const queries = collectQueries();
  const answered = new Set<string>();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    const task = trials.get(id)?.[0]?.config.dataset.task;
    for (const choice of choices(id, trials.get(id) ?? [])) {
      const values = { ...builtins, ...choice };
      for (const q of queries.filter((q) => (q.task ?? task) === task)) {
        const expr = renderExpr(q.expr, values);
        if (seen.has(expr)) continue;
        seen.add(expr);
        const result = q.instant
          ? await prom.query(expr, end)
          : await prom.queryRange(expr, start, end, 2);
        const ok = result.some((s) => q.legendLabels.every((l) => s.metric[l]));
        if (ok) answered.add(`${q.dashboard}/${q.panel}/${q.refId}`);
        else problems.push(`${q.dashboard} / ${q.panel} ${q.refId}: ${expr} → ${result.length}`);
      }
      for (const v of collectVariableQueries()) {
        const found = await prom.labelValues(
          renderExpr(v.label, values),
          renderExpr(v.match, values),
          start,
          end,
        );
        if (found.length === 0) problems.push(`${v.dashboard} $${v.variable} (${id}): no values`);
      }
    }
  }
  expect(problems).toEqual([]);
  // Each panel query was checked (and answered) for at least one sweep.
  expect(answered.size).toBe(queries.length);
  process.stderr.write(`[metrics-real-sweep] ${seen.size} rendered dashboard queries answered\n`);
}
