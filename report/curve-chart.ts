/** The Vega-Lite spec of one small-multiple panel: mean lines, min–max bands, divergence marks. */
import type { TopLevelSpec } from "vega-lite";
import { CHART_CONFIG } from "./render";
import { type DivergedMark, groupBy, type PanelData } from "./series";

/** Tableau 10 without its red, which is kept for divergence. */
export const CONFIG_COLORS = [
  "#4c78a8",
  "#f58518",
  "#54a24b",
  "#b279a2",
  "#72b7b2",
  "#eeca3b",
  "#9d755d",
  "#ff9da6",
  "#79706e",
  "#bab0ac",
];
export const DIVERGED_COLOR = "#c62828";
/** Early-stopped trials' stop points. */
export const STOPPED_COLOR = "#6e7781";
/** Colour means the configuration in every chart; the split is the dash (validation dashed). */
export const SPLIT_DASHES = { train: [1, 0], validation: [5, 3] } as const;
/** The legend's split swatches when several configurations share the colours. */
export const SPLIT_SWATCH = "#57606a";

export interface CurveChartInput {
  data: PanelData;
  yTitle: string;
  yDomain: [number, number];
  logScale: boolean;
  epochs: number;
  configs: string[];
  width: number;
  height: number;
}

/** One panel's spec; all panels of a grid get the same domains, so they compare at a glance. */
export function curveChartSpec(input: CurveChartInput): TopLevelSpec {
  const x = {
    field: "epoch",
    type: "quantitative",
    title: "epoch",
    scale: { domain: [1, input.epochs], nice: false },
    axis: { format: "d", tickCount: 5 },
  } as const;
  const y = {
    type: "quantitative",
    title: input.yTitle,
    scale: { type: input.logScale ? "log" : "linear", domain: input.yDomain, nice: false },
    axis: { tickCount: 5, format: input.logScale ? "~e" : "~g" },
  } as const;
  const color = colorEncoding(input);
  const line = { x, y: { ...y, field: "mean" }, color, detail: { field: "key" }, ...dash() };
  const layers: object[] = [
    {
      transform: [{ filter: "!datum.diverged" }],
      mark: { type: "area", opacity: 0.2, clip: true },
      encoding: {
        x,
        y: { ...y, field: "lo" },
        y2: { field: "hi" },
        color,
        detail: { field: "key" },
      },
    },
    {
      transform: [{ filter: "!datum.diverged" }],
      mark: { type: "line", strokeWidth: 1.6, clip: true },
      encoding: line,
    },
    {
      transform: [{ filter: "datum.diverged" }],
      mark: { type: "line", strokeWidth: 1, opacity: 0.75, clip: true },
      encoding: line,
    },
  ];
  if (input.data.marks.length) layers.push(...markLayers(input, x, y));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: input.width,
    height: input.height,
    config: CHART_CONFIG,
    data: { values: input.data.rows },
    layer: layers,
  } as TopLevelSpec;
}

/** Colour: the configuration (one configuration: the first colour). */
function colorEncoding(input: CurveChartInput) {
  return {
    field: "config",
    type: "nominal",
    legend: null,
    scale: { domain: input.configs, range: CONFIG_COLORS },
  } as const;
}

/** Dash: the split, solid train and dashed validation, as in the dashboards. */
function dash() {
  const range = [SPLIT_DASHES.train, SPLIT_DASHES.validation];
  return {
    strokeDash: {
      field: "split",
      type: "nominal",
      legend: null,
      scale: { domain: ["train", "validation"], range },
    },
  };
}

/** A × where each diverged trial stops; one label per configuration with the epoch(s). */
function markLayers(input: CurveChartInput, x: object, y: object): object[] {
  const [lo, hi] = input.yDomain;
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  const point = (m: DivergedMark) => ({ epoch: m.epoch, value: clamp(m.value ?? hi) });
  const crosses = input.data.marks.filter((m) => !m.stopped).map(point);
  const stops = input.data.marks.filter((m) => m.stopped).map(point);
  const at = { x, y: { ...y, field: "value" } };
  const stopLayer = {
    name: "stopped",
    data: { values: stops },
    mark: { type: "point", shape: "square", filled: true, size: 40, color: STOPPED_COLOR },
    encoding: at,
  };
  return [
    ...(stops.length ? [stopLayer] : []),
    {
      name: "diverged",
      data: { values: crosses },
      mark: {
        type: "point",
        shape: "cross",
        angle: 45,
        filled: true,
        size: 70,
        color: DIVERGED_COLOR,
      },
      encoding: at,
    },
    ...labelLayers(
      input,
      groupBy(input.data.marks, (m) => `${m.config}|${m.stopped ? "stopped" : "diverged"}`),
      clamp,
      at,
    ),
  ];
}

function labelLayers(
  input: CurveChartInput,
  byConfig: Map<string, DivergedMark[]>,
  clamp: (v: number) => number,
  at: object,
): object[] {
  const [lo, hi] = input.yDomain;
  const scale = (v: number) => (input.logScale ? Math.log10(v) : v);
  const labels = [...byConfig.values()].map((marks) => {
    const first = marks.reduce((a, b) => (b.epoch < a.epoch ? b : a));
    const epochs = marks.map((m) => m.divergedAt);
    const [from, to] = [Math.min(...epochs), Math.max(...epochs)];
    const when = from === to ? `${from}` : `${from}–${to}`;
    const value = clamp(first.value ?? hi);
    return {
      epoch: first.epoch,
      value,
      label: `${marks.length > 1 ? `${marks.length} ` : ""}${first.stopped ? "stopped" : "diverged"} @ ${when}`,
      color: first.stopped ? STOPPED_COLOR : DIVERGED_COLOR,
      // Labels stay inside the plot so every panel keeps the same size.
      right: first.epoch > input.epochs * 0.6,
      below: (scale(value) - scale(lo)) / (scale(hi) - scale(lo)) > 0.85,
    };
  });
  const layers = [false, true].flatMap((right) =>
    [false, true].map((below) => ({
      name: `diverged_label_${right ? "r" : "l"}${below ? "b" : "a"}`,
      data: { values: labels.filter((v) => v.right === right && v.below === below) },
      mark: {
        type: "text",
        align: right ? "right" : "left",
        dx: right ? -8 : 8,
        dy: below ? 12 : -8,
        fontSize: 10,
        fontWeight: 600,
      },
      encoding: {
        ...at,
        text: { field: "label" },
        color: { field: "color", type: "nominal", scale: null },
      },
    })),
  );
  return layers.filter((layer) => layer.data.values.length > 0);
}
