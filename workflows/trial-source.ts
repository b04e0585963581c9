/** Where a sweep's trials come from: the machine asks its source, never an array. */
import type { TrialSpec } from "../spec/types";
import type { SweepState, TrialOutcome } from "./definitions";

/**
 * Where trials come from. Its position lives in the `SweepState` it is handed, so it survives
 * continue-as-new. The grid hands out its expansion in order; a search sampler would propose
 * trials from the outcomes it observes, and `ready` may then be false for a while.
 */
export interface TrialSource {
  /** Trials the sweep runs in all (progress and the final accounting; exact once exhausted). */
  total(state: SweepState): number;
  /** Whether a trial can start now. */
  ready(state: SweepState): boolean;
  /** Whether every trial has been handed out. */
  exhausted(state: SweepState): boolean;
  /** The next trial, advancing the source; undefined when none is ready. */
  take(state: SweepState): TrialSpec | undefined;
  /** The trial `take` would hand out next, without advancing (packs look ahead with it). */
  peek?(state: SweepState): TrialSpec | undefined;
  /** A finished trial's outcome (samplers learn from it; the grid ignores it). */
  observe?(outcome: TrialOutcome, state: SweepState): void;
}

/** The grid's trials in expansion order; `state.nextIndex` is the cursor. */
export function gridSource(trials: readonly TrialSpec[]): TrialSource {
  return {
    total: () => trials.length,
    ready: (state) => state.nextIndex < trials.length,
    exhausted: (state) => state.nextIndex >= trials.length,
    take(state) {
      const trial = trials[state.nextIndex];
      if (trial) state.nextIndex += 1;
      return trial;
    },
    peek: (state) => trials[state.nextIndex],
  };
}
