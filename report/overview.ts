/** The page header: what the sweep was, how long it took, how its trials ended. */
import type { SweepSummary, TrialArtifact } from "../storage/artifacts";
import { escapeHtml, formatDuration, formatNumber } from "./format";

/** Title, ids and one stat card per fact (wall time, counts by status, retries, resumes). */
export function overview(summary: SweepSummary, trials: TrialArtifact[], fixed: string): string {
  const retries = trials.reduce((s, t) => s + Math.max(0, t.attempts - 1), 0);
  const resumes = trials.reduce((s, t) => s + t.resumedFromEpochs.length, 0);
  const backends = [...new Set(trials.map((t) => t.backend))].join(", ") || "—";
  const packing = packingOf(trials);
  const objective = `${summary.objective.mode} ${summary.objective.metric}`;
  const stat = (key: string, value: string, attrs = "") =>
    `<div class="stat"${attrs}><span class="k">${escapeHtml(key)}</span><span class="v">${escapeHtml(value)}</span></div>`;
  const counts = Object.entries(summary.counts).map(([status, n]) =>
    stat(status, String(n), ` data-status="${escapeHtml(status)}"`),
  );
  const reused = summary.reused ?? summary.leaderboard.filter((t) => t.reused).length;
  const best = summary.leaderboard[0];
  const bestText = best?.finalValMetric !== undefined ? formatNumber(best.finalValMetric) : "—";
  return `<header>
<h1>${escapeHtml(summary.name)}</h1>
<p class="sub">Sweep <code>${escapeHtml(summary.sweepId)}</code> · ${escapeHtml(summary.task)} · objective ${escapeHtml(objective)} · ${escapeHtml(formatTime(summary.startedAt))} → ${escapeHtml(formatTime(summary.finishedAt))}${fixed ? ` · fixed: ${escapeHtml(fixed)}` : ""}${reused ? ` · ${reused} of ${summary.total} trials reused, already trained by an earlier run or another sweep` : ""}</p>
</header>
<div class="stats" data-stats>
${stat("trials", String(summary.total))}
${timeCards(summary, reused, stat).join("\n")}
${counts.join("\n")}
${stat("retries", String(retries), " data-retries-total")}
${stat("resumes", String(resumes), " data-resumes-total")}
${stat("best val", bestText)}
${stat("backend", backends, " data-backend")}
${stat("packing", packing, " data-packing")}
</div>`;
}

/** How the trials trained: `solo`, `packs of 12`, `packs of 4–128, 3 solo`. */
export function packingOf(trials: Pick<TrialArtifact, "packSize">[]): string {
  const sizes = trials.flatMap((t) => (t.packSize && t.packSize > 1 ? [t.packSize] : []));
  const solo = trials.length - sizes.length;
  if (!sizes.length) return trials.length ? "solo" : "—";
  const [lo, hi] = [Math.min(...sizes), Math.max(...sizes)];
  const packs = `packs of ${lo === hi ? lo : `${lo}–${hi}`}`;
  return solo ? `${packs}, ${solo} solo` : packs;
}

type Stat = (key: string, value: string, attrs?: string) => string;

/**
 * Wall time, or after a rerun that reused trials the training time (the rerun's own seconds
 * would pass for the sweep's), with the rerun's time and the reused count beside it.
 */
function timeCards(summary: SweepSummary, reused: number, stat: Stat): string[] {
  if (!reused) return [stat("wall time", formatDuration(summary.wallSeconds), " data-wall")];
  const training = summary.trainingSeconds;
  return [
    stat("training time", training === undefined ? "—" : formatDuration(training), " data-wall"),
    stat("this run", formatDuration(summary.wallSeconds), " data-run-wall"),
    stat("reused", `${reused} of ${summary.total}`, " data-reused-total"),
  ];
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace("T", " ").slice(0, 19);
}
