import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
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

/** A selector filled by a Prometheus `label_values(…)` query, refreshed with the time range. */
export function labelValuesVariable(
  name: string,
  label: string,
  query: string,
  sort: VariableSort,
) {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query({ query, refId: "PrometheusVariableQueryEditor-VariableQuery", qryType: 1 })
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(sort);
}

/** A `label_values` selector with every value chosen at first ("All"). */
export function allValuesVariable(name: string, label: string, query: string, sort: VariableSort) {
  return labelValuesVariable(name, label, query, sort)
    .multi(true)
    .includeAll(true)
    .current({ text: "All", value: "$__all", selected: true });
}

/** The `sweep` selector, filled from the sweeps Prometheus has seen. */
export function sweepVariable(options: { multi: boolean }) {
  const query = "label_values(hypersweep_trials_started_total, sweep)";
  const variable = labelValuesVariable("sweep", "Sweep", query, VariableSort.AlphabeticalDesc);
  return options.multi ? variable.multi(true).includeAll(true).allValue(".*") : variable;
}

/** Where the links point: text boxes, so a real deployment sets its own URLs (see README.md). */
export const LINK_DEFAULTS = {
  temporal_ui: "http://127.0.0.1:8233",
  namespace: "default",
  report_base: "http://127.0.0.1:9000/hypersweep",
} as const;

const LINK_LABELS: Record<keyof typeof LINK_DEFAULTS, string> = {
  temporal_ui: "Temporal UI URL",
  namespace: "Temporal namespace",
  report_base: "Reports base URL",
};

/** The text-box variables the dashboard links read. */
export function linkVariables() {
  return Object.entries(LINK_DEFAULTS).map(([name, value]) =>
    new TextBoxVariableBuilder(name)
      .label(LINK_LABELS[name as keyof typeof LINK_DEFAULTS])
      .defaultValue(value)
      .current({ text: value, value, selected: true }),
  );
}

/** Links to the sweep's HTML report and its workflow in the Temporal UI (workflow id = sweep id). */
export function sweepLinks() {
  const link = (title: string, url: string, tooltip: string) =>
    new DashboardLinkBuilder(title)
      .type(DashboardLinkType.Link)
      .url(url)
      .tooltip(tooltip)
      .icon("external link")
      .targetBlank(true)
      .asDropdown(false)
      .includeVars(false)
      .keepTime(false)
      .tags([]);
  return [
    link(
      "HTML report",
      "$report_base/sweeps/$sweep/report/index.html",
      "The sweep's report (`hypersweep report <sweep>` writes it)",
    ),
    link(
      "Temporal UI",
      "$temporal_ui/namespaces/$namespace/workflows/$sweep",
      "The sweep's workflow: history, pending activities and their heartbeats",
    ),
  ];
}
