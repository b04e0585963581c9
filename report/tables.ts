/** The sortable leaderboard and the retries / resumes table. */

import type { ParamValue } from "../spec/types";
import type { TrialArtifact, TrialSummary } from "../storage/artifacts";
import { escapeHtml, formatNumber, formatParam } from "./format";

interface Column {
  key: string;
  title: string;
  type: "num" | "text";
  cell: (
    t: TrialSummary,
    rank: number,
  ) => { v: string | number | undefined; text: string; html?: string };
}

const num = (value: number | undefined, digits = 4) => ({
  v: value !== undefined && Number.isFinite(value) ? value : undefined,
  text: formatNumber(value, digits),
});

function columns(params: string[], metric: string, rows: TrialSummary[]): Column[] {
  const numeric = (p: string) => rows.every((t) => typeof (t.params[p] ?? 0) === "number");
  const param = (p: string): Column => ({
    key: `param:${p}`,
    title: p,
    type: numeric(p) ? "num" : "text",
    cell: (t) => {
      const value = t.params[p] as ParamValue | undefined;
      const v = typeof value === "number" ? value : value === undefined ? undefined : String(value);
      return { v, text: value === undefined ? "—" : formatParam(value) };
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
        html: `<span class="status status-${escapeHtml(t.status)}">${escapeHtml(t.status)}</span>`,
      }),
    },
    { key: "epochs", title: "epochs", type: "num", cell: (t) => num(t.epochs) },
    {
      key: "finalTrainMetric",
      title: `train ${metric}`,
      type: "num",
      cell: (t) => num(t.finalTrainMetric),
    },
    {
      key: "finalValMetric",
      title: `val ${metric}`,
      type: "num",
      cell: (t) => num(t.finalValMetric),
    },
    {
      key: "bestValMetric",
      title: "best val",
      type: "num",
      cell: (t) => num(t.bestValMetric),
    },
    { key: "finalValLoss", title: "val loss", type: "num", cell: (t) => num(t.finalValLoss) },
    {
      key: "divergedAtEpoch",
      title: "div. @",
      type: "num",
      cell: (t) => num(t.divergedAtEpoch),
    },
    {
      key: "retries",
      title: "retries",
      type: "num",
      cell: (t) => num(Math.max(0, t.attempts - 1)),
    },
    { key: "resumes", title: "resumes", type: "num", cell: (t) => num(t.resumes) },
  ];
}

/** Rows in the summary's order (best first); a click on a header sorts by that column. */
export function leaderboardTable(rows: TrialSummary[], params: string[], metric: string): string {
  const cols = columns(params, metric, rows);
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
      return `<tr data-trial="${escapeHtml(t.trialId)}" class="row-${escapeHtml(t.status)}">${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<div class="table-wrap"><table class="sortable leaderboard" data-leaderboard>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table></div>`;
}

/** Trials that needed more than one attempt or resumed from a checkpoint. */
export function retriesTable(trials: TrialArtifact[], params: string[]): string {
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
  const rows = eventful.map((t) => {
    const cells = [
      `<code>${escapeHtml(t.trialId)}</code>`,
      ...params.map((p) => escapeHtml(t.params[p] === undefined ? "—" : formatParam(t.params[p]))),
      String(t.attempts),
      String(t.attempts - 1),
      escapeHtml(t.resumedFromEpochs.join(", ") || "—"),
      escapeHtml(t.backend),
      escapeHtml(`${formatNumber(t.durationSeconds, 3)} s`),
    ];
    return `<tr data-trial="${escapeHtml(t.trialId)}">${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
  });
  return `<div class="table-wrap"><table class="retries" data-retries>
<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></div>`;
}
