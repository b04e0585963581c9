import type { RunningTrial } from "../client/status";
import type { TrialSpec } from "../spec/types";
import type { SweepSummary, TrialSummary } from "../storage/artifacts";
import type { SweepProgress } from "../workflows/definitions";
import { doneFraction, etaText, finishedCount, stoppedMark } from "./progress-view";

function num(v: number | undefined, digits = 4): string {
  if (v === undefined) return "-";
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(2)
    : v.toFixed(digits);
}

function paramText(params: TrialSummary["params"]): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/** A fixed-width text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Wall time; after a rerun that reused trials, the training time (the rerun took seconds). */
function timeText(summary: SweepSummary): string {
  const wall = `${summary.wallSeconds.toFixed(1)} s`;
  if (!summary.reused || summary.trainingSeconds === undefined) return `wall time ${wall}`;
  return `training time ${summary.trainingSeconds.toFixed(1)} s (this run ${wall}, ${summary.reused} of ${summary.total} trials reused)`;
}

/** The leaderboard as printed after a sweep: best first. */
export function leaderboardText(summary: SweepSummary, limit = 10): string {
  const metric = summary.task === "classification" ? "val acc" : "val mse";
  const rows = summary.leaderboard
    .slice(0, limit)
    .map((t, i) => [
      String(i + 1),
      t.status + (t.divergedAtEpoch ? `@${t.divergedAtEpoch}` : ""),
      num(t.finalValMetric),
      num(t.bestValMetric),
      num(t.finalValLoss),
      String(t.epochs),
      paramText(t.params),
    ]);
  const counts = Object.entries(summary.counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
  const more =
    summary.leaderboard.length > limit ? `\n… ${summary.leaderboard.length - limit} more` : "";
  const head = summary.partial
    ? `PARTIAL (sweep still running): ${summary.leaderboard.length} of ${summary.total} trials finished, ${counts}`
    : `${counts}; ${timeText(summary)}`;
  return `${summary.name} (${summary.sweepId}): ${head}\n${table(
    ["#", "status", metric, `best ${metric}`, "val loss", "epochs", "params"],
    rows,
  )}${more}${failureLines(summary)
    .map((l) => `\n${l}`)
    .join("")}`;
}

/** One line per failed trial with the error that failed it (capped, like the table). */
export function failureLines(summary: SweepSummary, limit = 10): string[] {
  const failed = summary.leaderboard.filter((t) => t.status === "failed");
  const lines = failed
    .slice(0, limit)
    .map((t) => `  ✗ ${t.trialId} (${paramText(t.params)}): ${t.error ?? "no error recorded"}`);
  if (failed.length > limit) lines.push(`  … ${failed.length - limit} more failed`);
  return lines.length ? ["failed trials:", ...lines] : [];
}

export function trialsText(trials: TrialSpec[]): string {
  return table(
    ["#", "trial", "params"],
    trials.map((t) => [String(t.index), t.trialId, paramText(t.params)]),
  );
}

/**
 * One progress line: a bar, counts and a human ETA from the rate so far. With the running
 * trials and their epoch count, a trial half-way through counts as half done.
 */
export function progressLine(
  p: SweepProgress,
  elapsedSeconds: number,
  width = 30,
  running: { trials: RunningTrial[]; epochs: number } = { trials: [], epochs: 0 },
): string {
  const done = finishedCount(p.counts);
  const moved = doneFraction(p, running.trials, running.epochs);
  const filled = p.total === 0 ? width : Math.min(width, Math.round((moved / p.total) * width));
  const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
  const state = p.cancelled ? " cancelling" : p.paused ? " paused" : "";
  const queued = running.trials.filter((t) => t.queued).length;
  return `${bar} ${done}/${p.total}  ✓${p.counts.completed} ↯${p.counts.diverged} ✗${p.counts.failed} ⊘${p.counts.cancelled}${stoppedMark(p.counts)}  running ${p.running.length - queued}${queued > 0 ? `  queued ${queued}` : ""}  ${etaText(moved, p.total, elapsedSeconds)}${state}`;
}
