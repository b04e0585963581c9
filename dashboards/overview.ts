import { DashboardBuilder, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StatBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { DATASOURCE, prom, sweepVariable, TRIAL_LEGEND, UIDS } from "./common";

const SWEEP = 'sweep=~"$sweep"';

function progress() {
  return new StatBuilder()
    .title("Trials by status")
    .description("Trials finished in the time range by status, and trials training now.")
    .datasource(DATASOURCE)
    .height(6)
    .span(12)
    .withTarget(
      prom(
        `sum by (status) (increase(hypersweep_trials_finished_total{${SWEEP}}[$__range]))`,
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

/** Sweep overview: progress, throughput, retries, running trials, capacity, epoch times. */
export function overviewDashboard() {
  return new DashboardBuilder("Hypersweep / Sweep overview")
    .uid(UIDS.overview)
    .tags(["hypersweep"])
    .refresh("10s")
    .time({ from: "now-1h", to: "now" })
    .withVariable(sweepVariable({ multi: true }))
    .withRow(new RowBuilder("Progress"))
    .withPanel(progress())
    .withPanel(throughput())
    .withPanel(retriesAndResumes())
    .withPanel(runningTrials())
    .withRow(new RowBuilder("Workers"))
    .withPanel(slots())
    .withPanel(epochQuantiles())
    .build();
}
