import type { RunningTrial } from "../client/status";
import type { ObjectiveMetric, Task, TrialSpec } from "../spec/types";
import type { StatusCounts, SweepProgress, TrialOutcome } from "../workflows/definitions";
import { finishedCount } from "../workflows/sweep-state";

export { finishedCount };

/** ` ✂N` for N early-stopped trials; nothing when none (sweeps without early stopping). */
export function stoppedMark(counts: StatusCounts): string {
  return counts.stopped ? ` ✂${counts.stopped}` : "";
}

/** What the count symbols mean; printed once under a live view. */
export const LEGEND = "✓ completed  ↯ diverged  ✗ failed  ⊘ cancelled";

/** What a sweep's trials are, for naming them in progress lines. */
export interface SweepContext {
  task: Task;
  metric: ObjectiveMetric;
  epochs: number;
  params: Map<string, TrialSpec["params"]>;
}

/** `3725` → `1 h 2 min`; `42` → `42 s`; `0.4` → `0 s`. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** The objective's metric as a user reads it: `valMetric` of a classifier is `valAccuracy`. */
export function metricLabel(task: Task, metric: ObjectiveMetric): string {
  const name = task === "classification" ? "Accuracy" : "Mse";
  if (metric === "valMetric") return `val${name}`;
  if (metric === "trainMetric") return `train${name}`;
  return metric;
}

/** Three significant digits, never an exponent for ordinary accuracies/losses. */
export function roundValue(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

export function paramsText(params: TrialSpec["params"] | undefined): string {
  if (!params) return "";
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/** `best valAccuracy 0.355 (t-…: optimizer=sgd lr=0.001)`, or "" before any trial finished. */
export function bestText(best: TrialOutcome | undefined, ctx?: SweepContext): string {
  if (!best || best.objective === undefined) return "";
  const label = ctx ? metricLabel(ctx.task, ctx.metric) : "objective";
  const params = paramsText(ctx?.params.get(best.trialId));
  return `best ${label} ${roundValue(best.objective)} (${best.trialId}${params ? `: ${params}` : ""})`;
}

/** One line per running trial: id, epoch (of the total), attempt if retried, parameters. */
export function runningLines(trials: RunningTrial[], ctx?: SweepContext): string[] {
  return trials.map((t) => {
    if (t.queued) return `  ${t.trialId ?? "?"} queued (no worker has picked it up)`;
    const of = ctx ? `/${ctx.epochs}` : "";
    const attempt = t.attempt > 1 ? ` (attempt ${t.attempt})` : "";
    const params = paramsText(t.trialId ? ctx?.params.get(t.trialId) : undefined);
    return `  ${t.trialId ?? "?"} epoch ${t.epoch ?? 0}${of}${attempt}${params ? `  ${params}` : ""}`;
  });
}

/** Trials done, counting the finished share of running ones (so long trials move the bar). */
export function doneFraction(p: SweepProgress, trials: RunningTrial[], epochs?: number): number {
  const done = finishedCount(p.counts);
  if (!epochs) return done;
  const partial = trials.reduce((n, t) => n + Math.min(1, (t.epoch ?? 0) / epochs), 0);
  return done + partial;
}

/** `ETA 1 h 30 min` from the rate so far, `ETA ?` before anything moved. */
export function etaText(done: number, total: number, elapsedSeconds: number): string {
  if (done <= 0) return "ETA ?";
  if (done >= total) return "ETA 0 s";
  return `ETA ${humanDuration((elapsedSeconds / done) * (total - done))}`;
}
