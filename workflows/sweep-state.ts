/** Pure bookkeeping of a sweep run: unit-testable, shared by the workflow and its tests. */
import { maxParallelProblem } from "../spec/max-parallel";
import type { TrialStatus } from "../spec/types";
import type { StatusCounts, SweepState, TrialOutcome } from "./definitions";

export const DEFAULT_HISTORY_LIMIT = 3_000;

export function emptyCounts(): StatusCounts {
  // `stopped` appears with the first early-stopped trial: other sweeps' counts stay as they were.
  return { completed: 0, diverged: 0, failed: 0, cancelled: 0 };
}

export function initialState(maxParallel: number, startedAt: string): SweepState {
  return {
    nextIndex: 0,
    counts: emptyCounts(),
    reused: 0,
    paused: false,
    cancelled: false,
    maxParallel,
    startedAt,
    runs: 1,
    largestHistory: 0,
  };
}

/** True when `a` beats `b` on the objective (undefined objectives never win). */
export function isBetter(
  a: TrialOutcome,
  b: TrialOutcome | undefined,
  mode: "max" | "min",
): boolean {
  if (a.objective === undefined) return false;
  if (b?.objective === undefined) return true;
  return mode === "max" ? a.objective > b.objective : a.objective < b.objective;
}

/** Folds a finished trial into the state (counts, reuse, best so far). */
export function recordOutcome(state: SweepState, outcome: TrialOutcome, mode: "max" | "min"): void {
  state.counts[outcome.status as TrialStatus] = (state.counts[outcome.status] ?? 0) + 1;
  if (outcome.reused) state.reused += 1;
  if (outcome.status === "completed" && isBetter(outcome, state.best, mode)) state.best = outcome;
}

export function finishedCount(counts: StatusCounts): number {
  return (
    counts.completed + counts.diverged + counts.failed + counts.cancelled + (counts.stopped ?? 0)
  );
}

/** The spec's `maxParallel` rule, as an error message naming the field (undefined when valid). */
export function checkMaxParallel(value: unknown): string | undefined {
  const problem = maxParallelProblem(value);
  return problem === undefined ? undefined : `maxParallel: ${problem}`;
}
