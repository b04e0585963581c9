/** Pure: builds the sweep summary and leaderboard from trial artefacts. */
import type { EpochRecord, ParamValue } from "../spec/types";
import type { Objective, SweepSummary, TrialArtifact, TrialSummary } from "./artifacts";

function finite(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

function bestOf(records: EpochRecord[], mode: "max" | "min"): number | undefined {
  let best: number | undefined;
  for (const r of records) {
    const v = finite(r.valMetric);
    if (v !== undefined && (best === undefined || (mode === "max" ? v > best : v < best))) best = v;
  }
  return best;
}

/** The summary line of one trial; `metricMode` is max for accuracy, min for MSE. */
export function summarizeTrial(a: TrialArtifact, metricMode: "max" | "min"): TrialSummary {
  const last = a.records.at(-1);
  const line: TrialSummary = {
    trialId: a.trialId,
    params: a.params,
    status: a.status,
    epochs: a.records.length,
    attempts: a.attempts,
    resumes: a.resumedFromEpochs.length,
  };
  const put = (key: keyof TrialSummary, v: number | undefined) => {
    if (v !== undefined) (line as unknown as Record<string, number>)[key] = v;
  };
  put("finalTrainLoss", finite(last?.trainLoss));
  put("finalValLoss", finite(last?.valLoss));
  put("finalTrainMetric", finite(last?.trainMetric));
  put("finalValMetric", finite(last?.valMetric));
  put("bestValMetric", bestOf(a.records, metricMode));
  put("divergedAtEpoch", a.divergedAtEpoch);
  if (a.error) line.error = a.error;
  return line;
}

const OBJECTIVE_FIELD: Record<Objective["metric"], keyof TrialSummary> = {
  valMetric: "finalValMetric",
  valLoss: "finalValLoss",
  trainMetric: "finalTrainMetric",
  trainLoss: "finalTrainLoss",
};

/** A completed trial's objective (its final value of the objective's metric), else undefined. */
export function objectiveOf(line: TrialSummary, objective: Objective): number | undefined {
  return line.status === "completed"
    ? (line[OBJECTIVE_FIELD[objective.metric]] as number | undefined)
    : undefined;
}

/** Completed trials first, best objective first; ties and the rest by trial id for stability. */
export function rankTrials(lines: TrialSummary[], objective: Objective): TrialSummary[] {
  const value = (t: TrialSummary) => {
    const v = objectiveOf(t, objective);
    return v === undefined ? undefined : objective.mode === "max" ? -v : v;
  };
  return [...lines].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va !== undefined && vb !== undefined && va !== vb) return va - vb;
    if ((va === undefined) !== (vb === undefined)) return va === undefined ? 1 : -1;
    return a.trialId < b.trialId ? -1 : a.trialId > b.trialId ? 1 : 0;
  });
}

export interface SummaryInput {
  sweepId: string;
  name: string;
  task: "regression" | "classification";
  objective: Objective;
  startedAt: string;
  finishedAt: string;
  artefacts: SweepSummary["artefacts"];
  budgetStop?: SweepSummary["budgetStop"];
}

/**
 * Seconds during which at least one trial trained: the union of the trials' intervals, so a
 * rerun that reuses them keeps the original training time and idle gaps between runs drop out.
 */
export function trainingSeconds(trials: Pick<TrialArtifact, "finishedAt" | "durationSeconds">[]) {
  const spans = trials
    .map((t) => {
      const end = Date.parse(t.finishedAt) / 1000;
      return [end - Math.max(0, t.durationSeconds), end] as const;
    })
    .filter(([start, end]) => Number.isFinite(start) && Number.isFinite(end))
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const [start, end] of spans) {
    if (end > reach) total += end - Math.max(start, reach);
    reach = Math.max(reach, end);
  }
  return total;
}

/** Each param's distinct values in first-seen order (lines come in expansion order). */
function paramValuesOf(lines: TrialSummary[]): Record<string, ParamValue[]> {
  const out: Record<string, ParamValue[]> = {};
  for (const line of lines) {
    for (const [name, value] of Object.entries(line.params)) {
      const list = out[name] ?? [];
      if (!list.includes(value)) list.push(value);
      out[name] = list;
    }
  }
  return out;
}

/** `lines` in expansion order; `training` from the trial artefacts (see `trainingSeconds`). */
export function buildSummary(
  input: SummaryInput,
  lines: TrialSummary[],
  training?: number,
): SweepSummary {
  const counts: SweepSummary["counts"] = { completed: 0, diverged: 0, failed: 0, cancelled: 0 };
  for (const l of lines) counts[l.status] = (counts[l.status] ?? 0) + 1;
  const wall = (Date.parse(input.finishedAt) - Date.parse(input.startedAt)) / 1000;
  return {
    sweepId: input.sweepId,
    name: input.name,
    task: input.task,
    objective: input.objective,
    total: lines.length,
    counts,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    wallSeconds: Number.isFinite(wall) ? Math.max(0, wall) : 0,
    ...(training === undefined ? {} : { trainingSeconds: training }),
    reused: lines.filter((l) => l.reused).length,
    paramValues: paramValuesOf(lines),
    leaderboard: rankTrials(lines, input.objective),
    ...(input.budgetStop ? { budgetStop: input.budgetStop } : {}),
    artefacts: input.artefacts,
  };
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `leaderboard.csv`: rank, id, status, every grid parameter, then the metrics. */
export function leaderboardCsv(summary: SweepSummary): string {
  const paramNames = [...new Set(summary.leaderboard.flatMap((t) => Object.keys(t.params)))].sort();
  const metrics = [
    "epochs",
    "finalTrainLoss",
    "finalValLoss",
    "finalTrainMetric",
    "finalValMetric",
    "bestValMetric",
    "divergedAtEpoch",
    "attempts",
    "resumes",
    "error",
  ] as const;
  const header = ["rank", "trialId", "status", ...paramNames, ...metrics];
  const rows = summary.leaderboard.map((t, i) =>
    [i + 1, t.trialId, t.status, ...paramNames.map((p) => t.params[p]), ...metrics.map((m) => t[m])]
      .map(csvCell)
      .join(","),
  );
  return `${[header.join(","), ...rows].join("\n")}\n`;
}
