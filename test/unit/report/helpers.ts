/** String-level views of a built report (unit tests have no DOM; the browser test has one). */

/** The `<section>` whose opening tag carries `attr` (e.g. `data-grid="metric"`). */
export function sectionWith(html: string, attr: string): string {
  const start = html.search(new RegExp(`<section[^>]*${attr}`));
  return start < 0 ? "" : html.slice(start, html.indexOf("</section>", start));
}

export function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`))]
    .length;
}

/** Values of `attr` on every tag that has it, in document order. */
export function attrValues(text: string, attr: string): string[] {
  return [...text.matchAll(new RegExp(`${attr}="([^"]*)"`, "g"))].map((m) => m[1] ?? "");
}

/** One panel's `<figure>` by its `data-panel` value. */
export function panel(grid: string, label: string): string {
  const start = grid.indexOf(`data-panel="${label}"`);
  return start < 0 ? "" : grid.slice(start, grid.indexOf("</figure>", start));
}
