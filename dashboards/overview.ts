import { DashboardBuilder, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StatBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TableBuilder } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { METRIC } from "../metrics/definitions";
import {
  columns,
  DATASOURCE,
  linkVariables,
  prom,
  sweepLinks,
  sweepVariable,
  TRIAL_LEGEND,
  UIDS,
} from "./common";

const SWEEP = 'sweep=~"$sweep"';

/**
 * Whole trials: each worker's counter (per sweep and status) at its highest in the range, summed.
 * `increase()` extrapolates to the range's edges and shows 4.11 trials.
 */
function progress() {
  return new StatBuilder()
    .title("Trials by status")
    .description(
      "Trials of the sweep finished by status (each worker's count at its highest in the time range, summed: widen the range to cover the sweep), and trials training now.",
    )
    .datasource(DATASOURCE)
    .decimals(0)
    .height(6)
    .span(12)
    .withTarget(
      prom(
        `sum by (status) (max_over_time(hypersweep_trials_finished_total{${SWEEP}}[$__range]))`,
        "{{status}}",
      ),
    )
    .withTarget(prom(`sum(hypersweep_trial_running{${SWEEP}})`, "running", { refId: "B" }));
}

function throughput() {
  return new TimeseriesBuilder()
    .title("Throughput (trials/min)")
    .datasource(DATASOURCE)
    .unit("short")
    .height(6)
    .span(12)
    .withTarget(
      prom(
        `sum by (status) (rate(hypersweep_trials_finished_total{${SWEEP}}[$__rate_interval])) * 60`,
        "{{status}}",
      ),
    );
}

function retriesAndResumes() {
  const inc = (metric: string) =>
    `sum by (sweep) (increase(${metric}{${SWEEP}}[$__rate_interval]))`;
  return new TimeseriesBuilder()
    .title("Retries, resumes and checkpoints")
    .datasource(DATASOURCE)
    .height(8)
    .span(12)
    .withTarget(prom(inc("hypersweep_trial_retries_total"), "retries {{sweep}}"))
    .withTarget(prom(inc("hypersweep_trial_resumes_total"), "resumes {{sweep}}", { refId: "B" }))
    .withTarget(
      prom(inc("hypersweep_checkpoints_written_total"), "checkpoints {{sweep}}", { refId: "C" }),
    );
}

function runningTrials() {
  return new TimeseriesBuilder()
    .title("Running trials: epoch")
    .description("Current epoch of every trial while it trains (one line per trial).")
    .datasource(DATASOURCE)
    .height(8)
    .span(12)
    .withTarget(
      prom(
        `hypersweep_trial_epoch{${SWEEP}} and on (sweep, trial, worker) (hypersweep_trial_running{${SWEEP}} == 1)`,
        `{{trial}} ${TRIAL_LEGEND} @ {{worker}}`,
      ),
    );
}

function slots() {
  return new TimeseriesBuilder()
    .title("Worker slots per pool")
    .datasource(DATASOURCE)
    .height(8)
    .span(12)
    .withTarget(prom("sum by (pool) (hypersweep_worker_slots_busy)", "{{pool}} busy"))
    .withTarget(prom("sum by (pool) (hypersweep_worker_slots)", "{{pool}} total", { refId: "B" }));
}

function epochQuantiles() {
  const panel = new TimeseriesBuilder()
    .title("Epoch duration quantiles")
    .datasource(DATASOURCE)
    .unit("s")
    .height(8)
    .span(12);
  const quantiles = [0.5, 0.9, 0.99];
  quantiles.forEach((q, i) => {
    const expr = `histogram_quantile(${q}, sum by (le, pool) (rate(hypersweep_epoch_duration_seconds_bucket{${SWEEP}}[$__rate_interval])))`;
    panel.withTarget(prom(expr, `p${q * 100} {{pool}}`, { refId: String.fromCharCode(65 + i) }));
  });
  return panel;
}

/** Worker targets of the stack's Prometheus (file_sd labels: pool, worker). */
const WORKERS = 'up{job="hypersweep-workers"}';

function workersUp() {
  return new StatBuilder()
    .title("Workers up per pool")
    .description("Training workers Prometheus scrapes successfully, of those registered (file_sd).")
    .datasource(DATASOURCE)
    .decimals(0)
    .height(6)
    .span(8)
    .withTarget(prom(`sum by (pool) (${WORKERS})`, "{{pool}} up"))
    .withTarget(prom(`count by (pool) (${WORKERS})`, "{{pool}} registered", { refId: "B" }));
}

/**
 * Per worker: up, seconds since the last scrape attempt, and since the last successful one
 * (its metrics' newest sample; a dead worker keeps its row with a growing age).
 */
function workerTable() {
  const lastSeen = `time() - max by (pool, worker) (max_over_time(timestamp(${METRIC.slotsTotal})[$__range:$__interval]))`;
  const labels = columns(["pool", "worker"]);
  return new TableBuilder()
    .title("Worker health")
    .description(
      "up = 1 when the last scrape succeeded. Last scrape / last seen: seconds since Prometheus tried, and since a scrape last succeeded. Temporal heartbeats: the Temporal UI link above.",
    )
    .datasource(DATASOURCE)
    .height(6)
    .span(16)
    .withTarget(prom(`max by (pool, worker) (${WORKERS})`, labels, { table: true }))
    .withTarget(
      prom(`max by (pool, worker) (time() - timestamp(${WORKERS}))`, labels, {
        table: true,
        refId: "B",
      }),
    )
    .withTarget(prom(lastSeen, labels, { table: true, refId: "C" }))
    .withTarget(
      prom(
        `max by (pool, worker, backend) (${METRIC.backendInfo})`,
        columns(["pool", "worker", "backend"]),
        {
          table: true,
          refId: "D",
        },
      ),
    )
    .withTransformation({ id: "merge", options: {} })
    .withTransformation({
      id: "organize",
      options: {
        excludeByName: { Time: true, "Value #D": true },
        renameByName: {
          "Value #A": "up",
          "Value #B": "last scrape (s ago)",
          "Value #C": "last seen (s ago)",
        },
      },
    });
}

/** Sweep overview: progress, throughput, retries, running trials, capacity, epoch times. */
export function overviewDashboard() {
  const dashboard = new DashboardBuilder("Hypersweep / Sweep overview")
    .uid(UIDS.overview)
    .tags(["hypersweep"])
    .refresh("10s")
    .time({ from: "now-1h", to: "now" })
    .withVariable(sweepVariable({ multi: true }))
    .links(sweepLinks());
  for (const variable of linkVariables()) dashboard.withVariable(variable);
  return dashboard
    .withRow(new RowBuilder("Progress"))
    .withPanel(progress())
    .withPanel(throughput())
    .withPanel(retriesAndResumes())
    .withPanel(runningTrials())
    .withRow(new RowBuilder("Workers"))
    .withPanel(slots())
    .withPanel(epochQuantiles())
    .withRow(new RowBuilder("Worker health"))
    .withPanel(workersUp())
    .withPanel(workerTable())
    .build();
}
