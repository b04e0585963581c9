/** The comparison grids: one SVG panel per value of the grouping param, on shared axes. */

import type { ParamValue } from "../spec/types";
import type { TrialArtifact } from "../storage/artifacts";
import {
  CONFIG_COLORS,
  curveChartSpec,
  DIVERGED_COLOR,
  SPLIT_DASHES,
  SPLIT_SWATCH,
} from "./curve-chart";
import { escapeHtml, formatNumber } from "./format";
import { type Axes, configLabel, gridShape } from "./model";
import { renderSvg } from "./render";
import {
  type CurveKind,
  divergenceEpoch,
  type PanelData,
  panelData,
  trialsOfPanel,
} from "./series";

export interface GridInput {
  trials: TrialArtifact[];
  task: "regression" | "classification";
  kind: CurveKind;
  /** Panel axis; undefined: a single panel with every trial. */
  groupBy: string | undefined;
  /** Varying non-seed params other than `groupBy`: each combination is one configuration. */
  configParams: string[];
  /** Spec order and one notation per param. */
  axes: Axes;
}

const PANEL_WIDTH: Record<number, number> = { 1: 760, 2: 470, 3: 300, 4: 215 };

/** A `<section>` with a title, an HTML legend and one `<figure data-panel>` per panel. */
export async function renderGrid(input: GridInput): Promise<string> {
  const values: Array<ParamValue | undefined> = input.groupBy
    ? input.axes.values(input.groupBy, input.trials)
    : [undefined];
  const logScale = input.task === "regression";
  const configs = configLabels(input);
  const label = (t: TrialArtifact) => configLabel(t.params, input.configParams, input.axes.format);
  const panels = values.map((value) => {
    const trials = trialsOfPanel(input.trials, input.groupBy, value);
    return { value, trials, data: panelData(trials, label, input.kind, logScale) };
  });
  const domain = yDomain(
    panels.map((p) => p.data),
    input,
  );
  const { rows, cols } = gridShape(panels.length);
  const width = PANEL_WIDTH[cols] ?? 215;
  const epochs = Math.max(1, ...input.trials.map((t) => t.config.epochs));
  const figures = await Promise.all(
    panels.map(async (panel, i) => {
      const spec = curveChartSpec({
        data: panel.data,
        yTitle: yTitle(input),
        yDomain: domain.range,
        logScale,
        epochs,
        configs,
        width,
        height: Math.round(width * 0.42),
      });
      const svg = await renderSvg(spec, `${input.kind}-${i}`);
      return figure(input, panel.value, panel.trials, svg);
    }),
  );
  const seeds = Math.max(...panels.map((p) => p.trials.length / Math.max(1, configs.length)));
  const anyDiverged = panels.some((p) => p.data.marks.length > 0);
  return `<section class="grid-section" data-grid="${input.kind}">
<h2>${escapeHtml(gridTitle(input))}</h2>
<p class="note">${escapeHtml(gridNote(input, domain))}</p>
${legend(configs, seeds > 1, anyDiverged)}
<div class="grid" data-rows="${rows}" data-cols="${cols}" style="grid-template-columns:repeat(${cols},minmax(0,1fr))">
${figures.join("\n")}
</div>
</section>`;
}

function figure(
  input: GridInput,
  value: ParamValue | undefined,
  trials: TrialArtifact[],
  svg: string,
): string {
  const label =
    value === undefined || input.groupBy === undefined
      ? "all trials"
      : input.axes.format(input.groupBy, value);
  const title = value === undefined ? label : `${input.groupBy} = ${label}`;
  const diverged = trials.filter((t) => divergenceEpoch(t) !== undefined).length;
  const badge = diverged
    ? `<span class="badge badge-diverged">${diverged}/${trials.length} diverged</span>`
    : `<span class="badge">${trials.length} trial${trials.length === 1 ? "" : "s"}</span>`;
  return `<figure class="panel" data-panel="${escapeHtml(label)}" data-diverged="${diverged}">
<figcaption><span class="panel-title">${escapeHtml(title)}</span>${badge}</figcaption>
${svg}
</figure>`;
}

/** Distinct configuration labels, in spec order of their param values. */
function configLabels(input: GridInput): string[] {
  const { axes, configParams: params } = input;
  const position = (t: TrialArtifact, p: string) => {
    const v = t.params[p];
    return v === undefined ? -1 : axes.rank(p, v);
  };
  const sorted = [...input.trials].sort((a, b) => {
    for (const p of params) {
      const c = position(a, p) - position(b, p);
      if (c !== 0) return c;
    }
    return 0;
  });
  return [...new Set(sorted.map((t) => configLabel(t.params, params, axes.format)))];
}

function legend(configs: string[], band: boolean, diverged: boolean): string {
  const entry = (key: string, text: string, swatch: string) =>
    `<li class="legend-entry" data-legend="${escapeHtml(key)}">${swatch}<span class="legend-label">${escapeHtml(text)}</span></li>`;
  const line = (color: string, dash: readonly number[]) =>
    `<svg class="swatch" width="26" height="10" aria-hidden="true"><line x1="1" y1="5" x2="25" y2="5" stroke="${color}" stroke-width="2.5" stroke-dasharray="${dash.join(" ")}"/></svg>`;
  // Colour is the configuration, dash the split, in every report (README.md, "Colours").
  const split = configs.length > 1 ? SPLIT_SWATCH : (CONFIG_COLORS[0] ?? SPLIT_SWATCH);
  const items = [
    ...(configs.length > 1
      ? configs.map((c, i) => entry(c, c, line(CONFIG_COLORS[i % 10] ?? "#888", [1, 0])))
      : []),
    entry("train", "train", line(split, SPLIT_DASHES.train)),
    entry("validation", "validation", line(split, SPLIT_DASHES.validation)),
  ];
  if (band) items.push(entry("band", "mean, min–max over seeds", `<span class="band"></span>`));
  if (diverged) {
    items.push(
      entry("diverged", "diverged (curve stops)", `<b style="color:${DIVERGED_COLOR}">✕</b>`),
    );
  }
  return `<ul class="legend">${items.join("")}</ul>`;
}

interface Domain {
  range: [number, number];
  /** Largest finite value, when it lies above the shown range. */
  clippedAbove?: number;
}

function yDomain(panels: PanelData[], input: GridInput): Domain {
  if (input.kind === "metric" && input.task === "classification") return { range: [0, 1] };
  const values = panels.flatMap((p) => p.rows.flatMap((r) => [r.lo, r.hi])).sort((a, b) => a - b);
  const min = values[0];
  const max = values.at(-1);
  if (min === undefined || max === undefined)
    return { range: input.task === "regression" ? [1e-3, 1] : [0, 1] };
  // Outliers (a run blowing up) would flatten every other curve: cap at a multiple of the 90th percentile.
  const q90 = values[Math.floor(0.9 * (values.length - 1))] ?? max;
  if (input.task === "regression") {
    const lo = 10 ** Math.floor(Math.log10(min));
    const hi = Math.max(lo * 10, 10 ** Math.ceil(Math.log10(Math.min(max, q90 * 100))));
    return { range: [lo, hi], clippedAbove: max > hi ? max : undefined };
  }
  const hi = niceCeil(Math.min(max, q90 * 1.5));
  return { range: [0, hi > 0 ? hi : 1], clippedAbove: max > hi ? max : undefined };
}

function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(value)) / 2;
  return Math.ceil(value / step) * step;
}

function yTitle(input: GridInput): string {
  if (input.task === "regression")
    return input.kind === "metric" ? "MSE (log scale)" : "loss (log scale)";
  return input.kind === "metric" ? "accuracy" : "loss";
}

function gridTitle(input: GridInput): string {
  const what = yTitle(input).replace(" (log scale)", "");
  const by = input.groupBy ? ` by ${input.groupBy}` : "";
  return `${what[0]?.toUpperCase()}${what.slice(1)} over epochs${by}`;
}

function gridNote(input: GridInput, domain: Domain): string {
  const parts = ["Train (solid) and validation (dashed) curves; all panels share their axes."];
  if (input.task === "regression") parts.push("Log-scale y axis.");
  if (domain.clippedAbove !== undefined) {
    parts.push(
      `Values above ${formatNumber(domain.range[1])} are cut off (max ${formatNumber(domain.clippedAbove)}).`,
    );
  }
  return parts.join(" ");
}
