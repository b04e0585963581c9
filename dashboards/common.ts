import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";
import {
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";

/** The Prometheus datasource every panel uses; provisioning and `push` create it with this uid. */
export const DATASOURCE_UID = "hypersweep-prometheus";
export const DATASOURCE: DataSourceRef = { type: "prometheus", uid: DATASOURCE_UID };

export const UIDS = {
  overview: "hypersweep-overview",
  comparison: "hypersweep-comparison",
  outcome: "hypersweep-outcome",
} as const;

/** Labels that identify a trial in legends and tables. */
export const TRIAL_LEGEND = "{{optimizer}} lr={{lr}} m={{momentum}} seed={{seed}}";
export const TRIAL_COLUMNS = ["trial", "optimizer", "lr", "momentum", "seed"] as const;

interface QueryOptions {
  refId?: string;
  /** Instant table query (leaderboards); default a range time series. */
  table?: boolean;
}

/**
 * A Prometheus query. Table queries also carry a legend naming their label columns, so
 * `collectQueries` can tell which labels the panel shows (Grafana ignores it for tables).
 */
export function prom(expr: string, legend: string, options: QueryOptions = {}) {
  const query = new DataqueryBuilder()
    .datasource(DATASOURCE)
    .expr(expr)
    .legendFormat(legend)
    .refId(options.refId ?? "A");
  return options.table ? query.instant().format(PromQueryFormat.Table) : query.range();
}

/** `{{a}} {{b}}`: the legend of a table query that shows label columns `labels`. */
export const columns = (labels: readonly string[]) => labels.map((l) => `{{${l}}}`).join(" ");

/** The `sweep` selector, filled from the sweeps Prometheus has seen. */
export function sweepVariable(options: { multi: boolean }) {
  const query = "label_values(hypersweep_trials_started_total, sweep)";
  const variable = new QueryVariableBuilder("sweep")
    .label("Sweep")
    .datasource(DATASOURCE)
    .query({ query, refId: "PrometheusVariableQueryEditor-VariableQuery", qryType: 1 })
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalDesc);
  return options.multi ? variable.multi(true).includeAll(true).allValue(".*") : variable;
}
