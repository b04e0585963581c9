/** Heatmap of the final validation metric over two hyper-parameters (seeds averaged). */
import type { TopLevelSpec } from "vega-lite";
import type { ParamValue } from "../spec/types";
import type { TrialSummary } from "../storage/artifacts";
import { escapeHtml, numberFormat } from "./format";
import { type Axes, configLabel, paramNames, SEED_PARAM } from "./model";
import { CHART_CONFIG, renderSvg } from "./render";
import { groupBy } from "./series";

export interface HeatmapInput {
  leaderboard: TrialSummary[];
  task: "regression" | "classification";
  /** The varying non-seed params, the panel axis first (one alone gets bars: `renderBars`). */
  params: string[];
  axes: Axes;
}

interface Cell {
  x: string;
  y: string;
  value: number | null;
  label: string;
  dark: boolean;
}

/**
 * A `<section data-heatmap>`: 2-D over the first two params, a note over none. A colour scale
 * needs two axes to earn its place: over one it stretches a small difference end to end.
 */
export async function renderHeatmap(input: HeatmapInput): Promise<string> {
  const [xParam, yParam] = input.params;
  const metric = input.task === "classification" ? "accuracy" : "MSE";
  const head = `<h2>Final validation ${metric}</h2>`;
  if (xParam === undefined) {
    return `<section class="heatmap" data-heatmap="none">${head}<p class="note">Only the seed varies in this sweep: there is no hyper-parameter to map.</p></section>`;
  }
  const cells = heatmapCells(input, xParam, yParam);
  const svg = await renderSvg(heatmapSpec(input, cells, xParam, yParam), "heatmap");
  const over = yParam ? `${xParam} × ${yParam}` : xParam;
  const rest = input.params.length > 2 ? " Other parameters: the best of their values." : "";
  const note = `Over ${over}; mean over seeds of completed trials; “div.” where every trial diverged.${rest}`;
  return `<section class="heatmap" data-heatmap="${yParam ? "2d" : "1d"}">${head}
<p class="note">${escapeHtml(note)}</p>
<div class="heatmap-chart">${svg}</div>
</section>`;
}

function heatmapCells(input: HeatmapInput, xParam: string, yParam?: string): Cell[] {
  const others = paramNames(input.leaderboard).filter(
    (p) => p !== xParam && p !== yParam && p !== SEED_PARAM,
  );
  const at = (t: TrialSummary, p?: string) =>
    p === undefined || t.params[p] === undefined
      ? ""
      : input.axes.format(p, t.params[p] as ParamValue);
  const cells = groupBy(input.leaderboard, (t) => `${at(t, xParam)}\u0000${at(t, yParam)}`);
  const better = input.task === "classification" ? Math.max : Math.min;
  const raw = [...cells.values()].map((trials) => {
    const means = [...groupBy(trials, (t) => configLabel(t.params, others)).values()]
      .map((seeds) => seeds.filter(isUsable).map((t) => t.finalValMetric as number))
      .filter((v) => v.length > 0)
      .map((v) => v.reduce((s, x) => s + x, 0) / v.length);
    const first = trials[0] as TrialSummary;
    const value = means.length ? better(...means) : null;
    const allDiverged = trials.every((t) => t.status === "diverged");
    return { x: at(first, xParam), y: at(first, yParam), value, allDiverged };
  });
  const t = normaliser(
    raw.map((c) => c.value).filter((v): v is number => v !== null),
    input.task,
  );
  const format = numberFormat(
    raw.map((c) => c.value),
    3,
  );
  return raw.map((c) => ({
    x: c.x,
    y: c.y,
    value: c.value,
    label: c.value === null ? (c.allDiverged ? "div." : "—") : format(c.value),
    // Text on the dark end of viridis is white; MSE's scale is reversed (low is good, bright).
    dark:
      c.value !== null && (input.task === "classification" ? t(c.value) < 0.5 : t(c.value) > 0.5),
  }));
}

function isUsable(t: TrialSummary): boolean {
  return t.status === "completed" && Number.isFinite(t.finalValMetric);
}

function normaliser(values: number[], task: HeatmapInput["task"]): (v: number) => number {
  const f =
    task === "regression" ? (v: number) => Math.log10(Math.max(v, 1e-300)) : (v: number) => v;
  const lo = Math.min(...values.map(f));
  const hi = Math.max(...values.map(f));
  return (v) => (hi > lo ? (f(v) - lo) / (hi - lo) : 0.5);
}

function heatmapSpec(
  input: HeatmapInput,
  cells: Cell[],
  xParam: string,
  yParam?: string,
): TopLevelSpec {
  const sorted = (p: string) =>
    input.axes.values(p, input.leaderboard).map((v) => input.axes.format(p, v));
  const x = {
    field: "x",
    type: "ordinal",
    title: xParam,
    sort: sorted(xParam),
    axis: { labelAngle: 0 },
  };
  const y = yParam
    ? { field: "y", type: "ordinal", title: yParam, sort: sorted(yParam) }
    : { field: "y", type: "ordinal", title: null, axis: null };
  const regression = input.task === "regression";
  const color = {
    field: "value",
    type: "quantitative",
    title: regression ? "val MSE" : "val accuracy",
    scale: { scheme: "viridis", type: regression ? "log" : "linear", reverse: regression },
    legend: yParam
      ? { gradientLength: 120, format: "~g" }
      : { orient: "bottom", direction: "horizontal", gradientLength: 200, format: "~g" },
  };
  const encode = { x, y };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: { step: 68 },
    height: { step: 36 },
    config: CHART_CONFIG,
    data: { values: cells },
    layer: [
      {
        mark: { type: "rect", fill: "#e8ebef", stroke: "white", strokeWidth: 2 },
        encoding: encode,
      },
      {
        transform: [{ filter: "isValid(datum.value)" }],
        mark: { type: "rect", stroke: "white", strokeWidth: 2 },
        encoding: { ...encode, color },
      },
      {
        name: "cell_label",
        mark: { type: "text", fontSize: 11 },
        encoding: {
          ...encode,
          text: { field: "label" },
          color: { condition: { test: "datum.dark", value: "white" }, value: "#24292f" },
        },
      },
    ],
  } as TopLevelSpec;
}
