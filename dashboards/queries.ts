import { buildDashboards } from "./build";

/** One PromQL expression of a dashboard panel and the labels its legend (or table) shows. */
export interface DashboardQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  legendLabels: string[];
  /** Grafana runs it as an instant query (tables) rather than over the time range. */
  instant: boolean;
  /** Set when the expression selects one `task`: it answers only for sweeps of that task. */
  task?: string;
}

/** A `label_values(match, label)` template variable: Prometheus' label values API. */
export interface VariableQuery {
  dashboard: string;
  variable: string;
  match: string;
  label: string;
}

interface PanelJson {
  title?: string;
  targets?: Array<{ expr?: string; legendFormat?: string; refId?: string; instant?: boolean }>;
  panels?: PanelJson[];
}

const TASK_SELECTOR = /\btask="([a-z]+)"/;
const LEGEND_LABEL = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

/** Labels named by a Grafana legend format, e.g. `{{pool}} busy` → `["pool"]`. */
export function legendLabelsOf(legendFormat: string): string[] {
  return [...new Set([...legendFormat.matchAll(LEGEND_LABEL)].map((m) => m[1] ?? ""))];
}

function* walk(panels: PanelJson[]): Generator<PanelJson> {
  for (const panel of panels) {
    yield panel;
    if (panel.panels) yield* walk(panel.panels);
  }
}

/**
 * Every PromQL expression in the dashboards, for checking against a real Prometheus:
 * render each with `renderExpr`, then assert series carrying `legendLabels`.
 */
export function collectQueries(): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const [uid, json] of Object.entries(buildDashboards())) {
    const panels = (json as { panels?: PanelJson[] }).panels ?? [];
    for (const panel of walk(panels)) {
      for (const target of panel.targets ?? []) {
        if (!target.expr) continue;
        const task = TASK_SELECTOR.exec(target.expr)?.[1];
        out.push({
          dashboard: uid,
          panel: panel.title ?? "",
          refId: target.refId ?? "A",
          expr: target.expr,
          legendLabels: legendLabelsOf(target.legendFormat ?? ""),
          instant: target.instant === true,
          ...(task ? { task } : {}),
        });
      }
    }
  }
  return out;
}

const LABEL_VALUES = /^label_values\((.+),\s*(\$?[a-zA-Z_][a-zA-Z0-9_]*)\)$/;

/** Every `label_values` template variable of the dashboards. */
export function collectVariableQueries(): VariableQuery[] {
  const out: VariableQuery[] = [];
  for (const [uid, json] of Object.entries(buildDashboards())) {
    const list = (json as { templating?: { list?: Array<Record<string, unknown>> } }).templating;
    for (const v of list?.list ?? []) {
      const match = typeof v.definition === "string" ? LABEL_VALUES.exec(v.definition) : null;
      if (match?.[1] && match[2]) {
        out.push({ dashboard: uid, variable: String(v.name), match: match[1], label: match[2] });
      }
    }
  }
  return out;
}

/** Grafana's built-in interval variables, with values fit for a short local sweep. */
export const DEFAULT_BUILTINS: Record<string, string> = {
  __range: "1h",
  __rate_interval: "1m",
  __interval: "15s",
};

const VARIABLE =
  /\$\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?\}|\[\[([a-zA-Z_][a-zA-Z0-9_]*)\]\]|\$([a-zA-Z_][a-zA-Z0-9_]*)/g;

/**
 * Substitutes template variables (`$x`, `${x}`, `[[x]]`) in an expression, as Grafana does
 * for single values; throws when one is left without a value.
 *
 * @example
 * renderExpr('hypersweep_trial_$metric{sweep="$sweep", $by="$cell"}',
 *   { metric: "loss", sweep: "sw-1", by: "lr", cell: "0.01" });
 */
export function renderExpr(expr: string, values: Record<string, string>): string {
  const all = { ...DEFAULT_BUILTINS, ...values };
  return expr.replace(VARIABLE, (_, braced?: string, bracketed?: string, plain?: string) => {
    const name = braced ?? bracketed ?? plain ?? "";
    const value = all[name];
    if (value === undefined) throw new Error(`no value for template variable $${name} in ${expr}`);
    return value;
  });
}
