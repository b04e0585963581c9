/** Vega-Lite → Vega → static SVG, in Node, at build time (the page runs no chart code). */
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** Shared look of every chart: the page's font, quiet axes. */
export const CHART_CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
  background: "transparent",
  view: { stroke: "#d0d7de" },
  axis: {
    labelColor: "#57606a",
    titleColor: "#24292f",
    titleFontWeight: 500,
    gridColor: "#eef1f4",
    domainColor: "#8c959f",
    tickColor: "#8c959f",
    labelFontSize: 10,
    titleFontSize: 11,
  },
} as const;

/**
 * Renders a Vega-Lite spec to an SVG string that can be inlined in HTML.
 * `idPrefix` keeps clip-path ids unique when many charts share one page.
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return svg
      .replace(/ xmlns(:xlink)?="[^"]*"/g, "")
      .replace(/(id="|url\(#)(clip\d+)/g, `$1${idPrefix}-$2`);
  } finally {
    view.finalize();
  }
}
