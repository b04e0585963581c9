/** The sortable leaderboard and the retries / resumes table. */

import type { ParamValue } from "../spec/types";
import type { TrialArtifact, TrialSummary } from "../storage/artifacts";
import { escapeHtml, numberFormat } from "./format";
import type { Axes } from "./model";

interface Column {
  key: string;
  title: string;
  type: "num" | "text";
  cell: (
    t: TrialSummary,
    rank: number,
  ) => { v: string | number | undefined; text: string; html?: string };
}

type NumberField =
  | "epochs"
  | "finalTrainMetric"
  | "finalValMetric"
  | "bestValMetric"
  | "finalValLoss"
  | "divergedAtEpoch"
  | "resumes";

/** The trial id and its parameter values, escaped, as the first cells of a per-trial row. */
function idAndParamCells(
  t: Pick<TrialSummary, "trialId" | "params">,
  params: string[],
  axes: Axes,
): string[] {
  return [
    `<code>${escapeHtml(t.trialId)}</code>`,
    ...params.map((p) => {
      const value = t.params[p];
      return escapeHtml(value === undefined ? "—" : axes.format(p, value));
    }),
  ];
}

/** One `<tr>` for a trial: its cells (already HTML) and any trailing raw HTML. */
function trialRow(t: Pick<TrialSummary, "trialId">, cells: string[], tail = ""): string {
  return `<tr data-trial="${escapeHtml(t.trialId)}">${cells.map((c) => `<td>${c}</td>`).join("")}${tail}</tr>`;
}

/** A numeric column written in one notation for all its rows (see `numberFormat`). */
function numeric(
  key: string,
  title: string,
  rows: TrialSummary[],
  value: (t: TrialSummary) => number | undefined,
  digits = 4,
): Column {
  const format = numberFormat(rows.map(value), digits);
  return {
    key,
    title,
    type: "num",
    cell: (t) => {
      const v = value(t);
      return { v: v !== undefined && Number.isFinite(v) ? v : undefined, text: format(v) };
    },
  };
}

const field = (name: NumberField) => (t: TrialSummary) => t[name];

function columns(params: string[], metric: string, rows: TrialSummary[], axes: Axes): Column[] {
  const isNumber = (p: string) => rows.every((t) => typeof (t.params[p] ?? 0) === "number");
  const param = (p: string): Column => ({
    key: `param:${p}`,
    title: p,
    type: isNumber(p) ? "num" : "text",
    cell: (t) => {
      const value = t.params[p] as ParamValue | undefined;
      const v = typeof value === "number" ? value : value === undefined ? undefined : String(value);
      return { v, text: value === undefined ? "—" : axes.format(p, value) };
    },
  });
  return [
    { key: "rank", title: "#", type: "num", cell: (_, rank) => ({ v: rank, text: String(rank) }) },
    {
      key: "trialId",
      title: "trial",
      type: "text",
      cell: (t) => ({
        v: t.trialId,
        text: t.trialId,
        html: `<code>${escapeHtml(t.trialId)}</code>`,
      }),
    },
    ...params.map(param),
    {
      key: "status",
      title: "status",
      type: "text",
      cell: (t) => ({
        v: t.status,
        text: t.status,
        html: `<span class="status status-${escapeHtml(t.status)}">${escapeHtml(t.status)}</span>${t.reused ? ' <span class="reused" title="finished in an earlier run; not trained again">reused</span>' : ""}`,
      }),
    },
    numeric("epochs", "epochs", rows, field("epochs")),
    numeric("finalTrainMetric", `train ${metric}`, rows, field("finalTrainMetric")),
    numeric("finalValMetric", `val ${metric}`, rows, field("finalValMetric")),
    numeric("bestValMetric", "best val", rows, field("bestValMetric")),
    numeric("finalValLoss", "val loss", rows, field("finalValLoss")),
    numeric("divergedAtEpoch", "div. @", rows, field("divergedAtEpoch")),
    numeric("retries", "retries", rows, (t) => Math.max(0, t.attempts - 1)),
    numeric("resumes", "resumes", rows, field("resumes")),
  ];
}

/** Rows in the summary's order (best first); a click on a header sorts by that column. */
export function leaderboardTable(
  rows: TrialSummary[],
  params: string[],
  metric: string,
  axes: Axes,
): string {
  const cols = columns(params, metric, rows, axes);
  const head = cols
    .map(
      (c) =>
        `<th data-col="${escapeHtml(c.key)}" data-type="${c.type}"><button type="button">${escapeHtml(c.title)}</button></th>`,
    )
    .join("");
  const body = rows
    .map((t, i) => {
      const cells = cols.map((c) => {
        const cell = c.cell(t, i + 1);
        const v = cell.v === undefined ? "" : String(cell.v);
        return `<td data-v="${escapeHtml(v)}">${cell.html ?? escapeHtml(cell.text)}</td>`;
      });
      const reused = t.reused ? ' data-reused=""' : "";
      return `<tr data-trial="${escapeHtml(t.trialId)}" class="row-${escapeHtml(t.status)}"${reused}>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<div class="table-wrap"><table class="sortable leaderboard" data-leaderboard>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table></div>`;
}

/** Trials that needed more than one attempt or resumed from a checkpoint. */
export function retriesTable(trials: TrialArtifact[], params: string[], axes: Axes): string {
  const eventful = trials.filter((t) => t.attempts > 1 || t.resumedFromEpochs.length > 0);
  if (!eventful.length) return `<p class="note">No trial was retried or resumed.</p>`;
  const head = [
    "trial",
    ...params,
    "attempts",
    "retries",
    "resumed from epochs",
    "backend",
    "duration",
  ];
  const seconds = numberFormat(
    eventful.map((t) => t.durationSeconds),
    3,
  );
  const rows = eventful.map((t) => {
    const cells = [
      ...idAndParamCells(t, params, axes),
      String(t.attempts),
      String(t.attempts - 1),
      escapeHtml(t.resumedFromEpochs.join(", ") || "—"),
      escapeHtml(t.backend),
      escapeHtml(`${seconds(t.durationSeconds)} s`),
    ];
    return trialRow(t, cells);
  });
  return `<div class="table-wrap"><table class="retries" data-retries>
<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></div>`;
}

/** Failed trials and their errors (the message the sweep recorded, stderr tails included). */
export function failuresTable(rows: TrialSummary[], params: string[], axes: Axes): string {
  const failed = rows.filter((t) => t.status === "failed");
  const head = ["trial", ...params, "attempts", "error"];
  const body = failed.map((t) => {
    const cells = [...idAndParamCells(t, params, axes), String(t.attempts)];
    const error = `<td class="error"><code>${escapeHtml(t.error ?? "unknown error")}</code></td>`;
    return trialRow(t, cells, error);
  });
  return `<div class="table-wrap"><table class="failures" data-failures>
<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>
<tbody>
${body.join("\n")}
</tbody></table></div>`;
}
