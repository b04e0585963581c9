/** Final validation metric over one hyper-parameter: a bar per value, seeds as error bars. */
import type { TopLevelSpec } from "vega-lite";
import type { ParamValue } from "../spec/types";
import type { TrialSummary } from "../storage/artifacts";
import { CONFIG_COLORS, DIVERGED_COLOR } from "./curve-chart";
import { escapeHtml, numberFormat } from "./format";
import type { Axes } from "./model";
import { CHART_CONFIG, renderSvg } from "./render";

export interface BarsInput {
  leaderboard: TrialSummary[];
  task: "regression" | "classification";
  /** The one varying non-seed param. */
  param: string;
  axes: Axes;
}

/** One bar: mean over the seeds that completed, min–max whiskers, or why there is none. */
export interface Bar {
  x: string;
  mean: number | null;
  lo: number | null;
  hi: number | null;
  seeds: number;
  label: string;
}

/** Bars per value in spec order, from the completed trials' final validation metric. */
export function barData(input: BarsInput): Bar[] {
  const { axes, param } = input;
  const values = axes.values(param, input.leaderboard);
  const groups = values.map((value) => {
    const trials = input.leaderboard.filter((t) => sameValue(t.params[param], value));
    const finals = trials
      .filter((t) => t.status === "completed" && Number.isFinite(t.finalValMetric))
      .map((t) => t.finalValMetric as number);
    return { x: axes.format(param, value), trials, finals };
  });
  const means = groups.map((g) => (g.finals.length ? mean(g.finals) : null));
  const format = numberFormat(means, 3);
  return groups.map((g, i) => {
    const m = means[i] ?? null;
    const allDiverged = g.trials.length > 0 && g.trials.every((t) => t.status === "diverged");
    return {
      x: g.x,
      mean: m,
      lo: g.finals.length ? Math.min(...g.finals) : null,
      hi: g.finals.length ? Math.max(...g.finals) : null,
      seeds: g.finals.length,
      label: m === null ? (allDiverged ? "div." : "—") : format(m),
    };
  });
}

/** A `<section data-bars>` with the chart and the numbers behind each bar as attributes. */
export async function renderBars(input: BarsInput): Promise<string> {
  const bars = barData(input);
  const metric = input.task === "classification" ? "accuracy" : "MSE";
  const svg = await renderSvg(barsSpec(input, bars), "bars");
  const note = `Over ${input.param}: bar = mean over seeds of completed trials, whiskers = min–max over seeds; bars start at zero; “div.” where every trial diverged.`;
  const facts = bars
    .map(
      (b) =>
        `<li data-bar="${escapeHtml(b.x)}" data-mean="${b.mean ?? ""}" data-seeds="${b.seeds}">${escapeHtml(`${input.param} = ${b.x}: ${b.label}`)}</li>`,
    )
    .join("");
  return `<section class="bars" data-bars>
<h2>Final validation ${metric}</h2>
<p class="note">${escapeHtml(note)}</p>
<div class="heatmap-chart">${svg}</div>
<ul class="bar-facts" hidden>${facts}</ul>
</section>`;
}

function barsSpec(input: BarsInput, bars: Bar[]): TopLevelSpec {
  const classification = input.task === "classification";
  const x = {
    field: "x",
    type: "ordinal",
    title: input.param,
    sort: bars.map((b) => b.x),
    axis: { labelAngle: 0 },
  };
  const title = classification ? "val accuracy" : "val MSE";
  // A bar's length is its value: a zero baseline, never a stretched range.
  const scale = classification ? { domain: [0, 1], zero: true } : { zero: true };
  const y = { field: "mean", type: "quantitative", title, scale };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: { step: 56 },
    height: 200,
    config: CHART_CONFIG,
    data: { values: bars },
    layer: [
      {
        name: "bar",
        transform: [{ filter: "isValid(datum.mean)" }],
        mark: { type: "bar", color: CONFIG_COLORS[0], width: { band: 0.7 } },
        encoding: { x, y },
      },
      {
        name: "whisker",
        transform: [{ filter: "isValid(datum.mean) && datum.seeds > 1" }],
        mark: { type: "rule", color: "#24292f", strokeWidth: 1.5 },
        encoding: { x, y: { ...y, field: "lo" }, y2: { field: "hi" } },
      },
      {
        name: "bar_label",
        mark: { type: "text", dy: -8, fontSize: 11 },
        encoding: {
          x,
          y: { ...y, field: "labelAt" },
          text: { field: "label" },
          color: {
            condition: { test: "datum.mean === null", value: DIVERGED_COLOR },
            value: "#24292f",
          },
        },
        transform: [{ calculate: "datum.hi === null ? 0 : datum.hi", as: "labelAt" }],
      },
    ],
  } as TopLevelSpec;
}

function sameValue(a: ParamValue | undefined, b: ParamValue): boolean {
  return a !== undefined && typeof a === typeof b && String(a) === String(b);
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
