/**
 * How the search went: parameters against the objective (parallel coordinates), the objective
 * over trial order with the best so far, and, where trials were stopped early, their curves
 * with the stop points marked. Pure data shaping (unit-tested) plus Vega-Lite specs.
 */
import type { TopLevelSpec } from "vega-lite";
import type { ParamValue } from "../spec/types";
import type { Objective, SweepSummary, TrialArtifact, TrialSummary } from "../storage/artifacts";
import { objectiveOf } from "../storage/summary";
import { CONFIG_COLORS, DIVERGED_COLOR } from "./curve-chart";
import { escapeHtml, formatNumber, numberFormat } from "./format";
import { type Axes, valueKey } from "./model";
import { CHART_CONFIG, renderSvg } from "./render";

/** Status a trial stopped early by the sweep's scheduler has (early stopping). */
export const STOPPED = "stopped";

/** One vertical axis of the parallel-coordinates chart. */
export interface ParallelAxis {
  name: string;
  /** How values map to heights: by position in spec order, linear, or log. */
  scale: "ordinal" | "linear" | "log";
  /** Labels along the axis at their heights (0 = bottom, 1 = top). */
  ticks: { at: number; label: string }[];
}

/** One trial's point on one axis. */
export interface ParallelPoint {
  trialId: string;
  axis: string;
  /** Height on the axis, 0..1. */
  at: number;
  objective: number;
}

export interface ParallelData {
  axes: ParallelAxis[];
  points: ParallelPoint[];
  /** Trials left out: no objective (diverged, failed, cancelled, stopped). */
  without: number;
}

/**
 * Parallel coordinates over `params` then the objective: one line per completed trial, at each
 * axis the trial's value (numbers on a linear or, spanning 100× or more, a log scale; anything
 * else by its position in spec order), coloured by the objective.
 */
export function parallelData(
  lines: TrialSummary[],
  params: string[],
  axes: Axes,
  objective: Objective,
): ParallelData {
  const scored = lines.flatMap((line) => {
    const value = objectiveOf(line, objective);
    return value !== undefined && Number.isFinite(value) ? [{ line, value }] : [];
  });
  const out: ParallelAxis[] = [];
  const points: ParallelPoint[] = [];
  for (const name of params) {
    const values = scored.map((s) => s.line.params[name]);
    const place = placer(name, values, axes);
    out.push({ name, scale: place.scale, ticks: place.ticks });
    for (const { line, value } of scored) {
      const v = line.params[name];
      if (v !== undefined) {
        points.push({ trialId: line.trialId, axis: name, at: place.at(v), objective: value });
      }
    }
  }
  const name = objectiveName(objective);
  const place = placer(
    name,
    scored.map((s) => s.value),
    axes,
  );
  out.push({ name, scale: place.scale, ticks: place.ticks });
  for (const { line, value } of scored) {
    points.push({ trialId: line.trialId, axis: name, at: place.at(value), objective: value });
  }
  return { axes: out, points, without: lines.length - scored.length };
}

function objectiveName(objective: Objective): string {
  return `${objective.metric} (${objective.mode})`;
}

interface Placer {
  scale: ParallelAxis["scale"];
  at: (v: ParamValue) => number;
  ticks: ParallelAxis["ticks"];
}

function placer(name: string, raw: (ParamValue | undefined)[], axes: Axes): Placer {
  const values = raw.filter((v): v is ParamValue => v !== undefined);
  const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const distinct = [...new Map(values.map((v) => [valueKey(v), v])).values()];
  if (numbers.length === values.length && distinct.length > 2) {
    const lo = Math.min(...numbers);
    const hi = Math.max(...numbers);
    const log = lo > 0 && hi / lo >= 100;
    const f = log ? Math.log10 : (x: number) => x;
    const span = f(hi) - f(lo);
    const at = (v: ParamValue) => (span > 0 ? (f(v as number) - f(lo)) / span : 0.5);
    const format = numberFormat([lo, hi], 3);
    const label = (v: number) => (axes.names.includes(name) ? axes.format(name, v) : format(v));
    return {
      scale: log ? "log" : "linear",
      at,
      ticks: [...new Set([lo, hi])].map((v) => ({ at: at(v), label: label(v) })),
    };
  }
  // Few values or not numbers: evenly spaced in spec order.
  const ordered = axes.names.includes(name)
    ? [...distinct].sort((a, b) => axes.rank(name, a) - axes.rank(name, b))
    : distinct;
  const index = new Map(ordered.map((v, i) => [valueKey(v), i]));
  const at = (v: ParamValue) =>
    ordered.length > 1 ? (index.get(valueKey(v)) ?? 0) / (ordered.length - 1) : 0.5;
  return {
    scale: "ordinal",
    at,
    ticks: ordered.map((v) => ({
      at: at(v),
      label: axes.names.includes(name) ? axes.format(name, v) : String(v),
    })),
  };
}

/** One trial in the order trials finished, with the best objective up to it. */
export interface OrderPoint {
  order: number;
  trialId: string;
  /** Its objective; null when it has none (diverged, failed, stopped early). */
  objective: number | null;
  /** The best objective of trials 1..order; null until one has one. */
  best: number | null;
  status: string;
}

/**
 * The objective over trial order: trials in the order they finished (the stored artefacts'
 * `finishedAt`; ties and trials with no artefact by leaderboard position), each with the best
 * objective so far.
 */
export function bestSoFar(summary: SweepSummary, trials: TrialArtifact[]): OrderPoint[] {
  const finished = new Map(trials.map((t) => [t.trialId, Date.parse(t.finishedAt)]));
  const when = (line: TrialSummary) => finished.get(line.trialId) ?? Number.POSITIVE_INFINITY;
  const lines = summary.leaderboard
    .map((line, i) => ({ line, i }))
    .sort((a, b) => when(a.line) - when(b.line) || a.i - b.i)
    .map((x) => x.line);
  const better = (a: number, b: number) => (summary.objective.mode === "max" ? a > b : a < b);
  let best: number | null = null;
  return lines.map((line, i) => {
    const v = objectiveOf(line, summary.objective);
    const objective = v !== undefined && Number.isFinite(v) ? v : null;
    if (objective !== null && (best === null || better(objective, best))) best = objective;
    return { order: i + 1, trialId: line.trialId, objective, best, status: line.status };
  });
}

/** Where a trial stopped early: its last epoch and the value of the curve there. */
export interface StopMark {
  trialId: string;
  epoch: number;
  value: number | null;
}

/** One point of a curve in the early-stopping chart. */
export interface StopCurvePoint {
  trialId: string;
  epoch: number;
  value: number;
  stopped: boolean;
}

/**
 * The validation-metric curves of every trial with the stop points of those the sweep stopped
 * early (status `stopped`: the curve up to the stop is the trial's whole record). Empty marks
 * when no trial was stopped.
 */
export function stopData(trials: TrialArtifact[]): { curves: StopCurvePoint[]; marks: StopMark[] } {
  const curves: StopCurvePoint[] = [];
  const marks: StopMark[] = [];
  for (const t of trials) {
    const stopped = (t.status as string) === STOPPED;
    for (const r of t.records) {
      if (Number.isFinite(r.valMetric)) {
        curves.push({ trialId: t.trialId, epoch: r.epoch, value: r.valMetric, stopped });
      }
    }
    const last = t.records.at(-1);
    if (stopped && last) {
      const value = Number.isFinite(last.valMetric) ? last.valMetric : null;
      marks.push({ trialId: t.trialId, epoch: last.epoch, value });
    }
  }
  return { curves, marks };
}

export interface SearchInput {
  summary: SweepSummary;
  trials: TrialArtifact[];
  /** The varying non-seed params, in spec order. */
  params: string[];
  axes: Axes;
}

/** The search section: parallel coordinates, best so far, and stop points when any trial stopped. */
export async function renderSearch(input: SearchInput): Promise<string> {
  const { summary, trials } = input;
  const parts: string[] = [];
  const parallel = parallelData(summary.leaderboard, input.params, input.axes, summary.objective);
  if (parallel.axes.length > 1 && parallel.points.length > 0) {
    parts.push(await parallelFigure(parallel, summary.objective));
  }
  const order = bestSoFar(summary, trials);
  if (order.length > 0) parts.push(await orderFigure(order, summary.objective));
  const stops = stopData(trials);
  if (stops.marks.length > 0) parts.push(await stopFigure(stops, summary.task));
  if (parts.length === 0) return "";
  return `<section data-section="search"><h2>Search</h2>
<p class="note">${escapeHtml("How the search went: every parameter against the objective, the objective in the order trials finished, and where trials were stopped early.")}</p>
${parts.join("\n")}
</section>`;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** A Vega-Lite line layer with one line per trial, coloured by `color`. */
function trialLines(
  name: string,
  values: object[],
  opacity: number,
  x: object,
  y: object,
  color: Record<string, unknown>,
): object {
  return {
    name,
    data: { values },
    mark: { type: "line", strokeWidth: 1.2, opacity },
    encoding: { x, y, detail: { field: "trialId" }, color },
  };
}

async function parallelFigure(data: ParallelData, objective: Objective): Promise<string> {
  const names = data.axes.map((a) => a.name);
  const ticks = data.axes.flatMap((a) =>
    a.ticks.map((t) => ({ axis: a.name, at: t.at, label: t.label })),
  );
  const x = {
    field: "axis",
    type: "ordinal",
    sort: names,
    title: null,
    axis: { labelAngle: 0, orient: "top" },
  };
  const y = { field: "at", type: "quantitative", scale: { domain: [0, 1] }, axis: null };
  const spec = {
    $schema: SCHEMA,
    width: Math.max(320, 140 * names.length),
    height: 240,
    config: CHART_CONFIG,
    layer: [
      {
        data: { values: names.map((axis) => ({ axis })) },
        mark: { type: "rule", color: "#8c959f" },
        encoding: {
          x,
          y: { datum: 0, type: "quantitative", scale: { domain: [0, 1] }, axis: null },
          y2: { datum: 1 },
        },
      },
      trialLines("trial_line", data.points, 0.75, x, y, {
        field: "objective",
        type: "quantitative",
        title: objectiveTitle(objective),
        scale: { scheme: "viridis", ...(objective.mode === "min" ? { reverse: true } : {}) },
      }),
      {
        data: { values: ticks },
        mark: { type: "text", align: "left", dx: 4, fontSize: 10, color: "#24292f" },
        encoding: { x, y, text: { field: "label" } },
      },
    ],
  } as TopLevelSpec;
  const svg = await renderSvg(spec, "parallel");
  const note =
    `One line per completed trial, through its value on each parameter's axis to its objective ` +
    `(colour: the objective, brighter = better). ` +
    data.axes
      .filter((a) => a.scale !== "ordinal")
      .map((a) => `${a.name}: ${a.scale} scale`)
      .join("; ") +
    (data.without ? `. ${data.without} trial(s) without an objective are left out.` : ".");
  const facts = data.axes
    .map(
      (a) =>
        `<li data-axis="${escapeHtml(a.name)}" data-scale="${a.scale}" data-lines="${data.points.filter((p) => p.axis === a.name).length}"></li>`,
    )
    .join("");
  return `<figure class="search-chart" data-parallel>
<figcaption>Parameters against the objective</figcaption>
<p class="note">${escapeHtml(note)}</p>
${svg}
<ul hidden>${facts}</ul>
</figure>`;
}

function objectiveTitle(objective: Objective): string {
  return objective.metric;
}

async function orderFigure(points: OrderPoint[], objective: Objective): Promise<string> {
  const x = {
    field: "order",
    type: "quantitative",
    title: "trial (in the order trials finished)",
    axis: { tickMinStep: 1 },
  };
  const title = objectiveTitle(objective);
  const spec = {
    $schema: SCHEMA,
    width: 520,
    height: 200,
    config: CHART_CONFIG,
    data: { values: points },
    layer: [
      {
        name: "trial_point",
        transform: [{ filter: "isValid(datum.objective)" }],
        mark: { type: "point", filled: true, size: 28, color: "#8c959f" },
        encoding: {
          x,
          y: { field: "objective", type: "quantitative", title, scale: { zero: false } },
        },
      },
      {
        name: "best_line",
        transform: [{ filter: "isValid(datum.best)" }],
        mark: { type: "line", interpolate: "step-after", color: CONFIG_COLORS[0], strokeWidth: 2 },
        encoding: { x, y: { field: "best", type: "quantitative", title, scale: { zero: false } } },
      },
    ],
  } as TopLevelSpec;
  const svg = await renderSvg(spec, "best-so-far");
  const last = points.at(-1)?.best;
  const note = `Grey: each trial's objective (${objective.mode} ${objective.metric}); line: the best so far${last === null || last === undefined ? "" : `, ending at ${formatNumber(last)}`}.`;
  const facts = points
    .map(
      (p) =>
        `<li data-order="${p.order}" data-trial="${escapeHtml(p.trialId)}" data-objective="${p.objective ?? ""}" data-best="${p.best ?? ""}"></li>`,
    )
    .join("");
  return `<figure class="search-chart" data-best-so-far>
<figcaption>Objective over trial order</figcaption>
<p class="note">${escapeHtml(note)}</p>
${svg}
<ul hidden>${facts}</ul>
</figure>`;
}

async function stopFigure(
  data: { curves: StopCurvePoint[]; marks: StopMark[] },
  task: SweepSummary["task"],
): Promise<string> {
  const title = task === "classification" ? "val accuracy" : "val MSE";
  const x = { field: "epoch", type: "quantitative", title: "epoch" };
  const y = { field: "value", type: "quantitative", title, scale: { zero: false } };
  const spec = {
    $schema: SCHEMA,
    width: 520,
    height: 240,
    config: CHART_CONFIG,
    layer: [
      trialLines("curve_line", data.curves, 0.8, x, y, {
        field: "stopped",
        type: "nominal",
        title: null,
        scale: { domain: [false, true], range: [CONFIG_COLORS[0], "#8c959f"] },
        legend: { labelExpr: "datum.value ? 'stopped early' : 'trained to the end'" },
      }),
      {
        name: "stop_point",
        data: { values: data.marks.filter((m) => m.value !== null) },
        mark: { type: "point", shape: "square", filled: true, size: 40, color: DIVERGED_COLOR },
        encoding: { x, y },
      },
    ],
  } as TopLevelSpec;
  const svg = await renderSvg(spec, "stops");
  const note = `Validation curves; a red square where the sweep stopped a trial early (${data.marks.length} trial(s)).`;
  const facts = data.marks
    .map((m) => `<li data-stop="${escapeHtml(m.trialId)}" data-epoch="${m.epoch}"></li>`)
    .join("");
  return `<figure class="search-chart" data-stops>
<figcaption>Curves with stop points</figcaption>
<p class="note">${escapeHtml(note)}</p>
${svg}
<ul hidden>${facts}</ul>
</figure>`;
}
