/**
 * TPE as a trial source: proposals made inside the workflow from the finished trials' results.
 * Everything it knows lives in `state.search` (plain JSON: continue-as-new carries it), so a
 * proposal depends only on the history so far and replays identically.
 */
import {
  createRng,
  expandPoint,
  type Point,
  proposeNext,
  randomPoint,
  type SweepSpec,
  searchSpaceOf,
} from "../spec";
import type { TrialSpec } from "../spec/types";
import type { SamplerState, SweepState, TrialOutcome } from "./definitions";
import type { TrialSource } from "./trial-source";

type TpeSearch = Extract<NonNullable<SweepSpec["search"]>, { method: "tpe" }>;

export function initialSamplerState(): SamplerState {
  return { points: 0, observations: [], pending: {}, queue: [] };
}

/** The sampled settings of a trial: its params minus the grid lists and seed. */
function pointOf(trial: TrialSpec, keys: string[]): Point {
  const point: Point = {};
  for (const key of keys) {
    const value = trial.params[key];
    if (value !== undefined) point[key] = value;
  }
  return point;
}

/**
 * TPE's trial source. Point i < startupTrials is `randomPoint(space, seed, i)` (the trials
 * `--dry-run` shows); later points come from `proposeNext` over the finished trials, with the
 * running ones as constant liars, on rng stream i. A later point waits for a first finished
 * result while trials run (nothing to learn from yet). Each point is crossed with the grid
 * lists; a trial whose id is already running or queued is skipped. `total` is exact once the
 * source is exhausted and an estimate before.
 */
export function tpeSource(spec: SweepSpec, search: TpeSearch): TrialSource {
  const space = searchSpaceOf(spec.grid);
  const keys = space.params.map((p) => p.key);
  const perPoint = Math.max(1, expandPoint(spec, randomPoint(space, search.seed, 0), 0).length);
  const sampler = (state: SweepState): SamplerState => {
    state.search ??= initialSamplerState();
    return state.search;
  };
  const pointsLeft = (s: SamplerState) => search.trials - s.points;
  const canPropose = (s: SamplerState) =>
    pointsLeft(s) > 0 &&
    (s.points < search.startupTrials ||
      s.observations.length > 0 ||
      Object.keys(s.pending).length === 0);

  const nextPoint = (s: SamplerState): Point => {
    const i = s.points;
    if (i < search.startupTrials) return randomPoint(space, search.seed, i);
    const finished = s.observations.map((o) => ({ p: o.p, value: o.v ?? Number.NaN }));
    return proposeNext(
      space,
      finished.map((o) => ({ params: o.p, value: o.value })),
      Object.values(s.pending),
      createRng(search.seed, i),
      { mode: spec.objective.mode, startupTrials: search.startupTrials },
    );
  };

  /** Refills the queue from the next point; false when no point can be proposed now. */
  const refill = (state: SweepState, s: SamplerState): boolean => {
    while (s.queue.length === 0) {
      if (!canPropose(s)) return false;
      const point = nextPoint(s);
      s.points += 1;
      s.queue = expandPoint(spec, point, state.nextIndex).filter(
        (t) => s.pending[t.trialId] === undefined,
      );
      for (const t of s.queue) s.pending[t.trialId] = pointOf(t, keys);
    }
    return true;
  };

  return {
    total(state) {
      const s = sampler(state);
      return state.nextIndex + s.queue.length + pointsLeft(s) * perPoint;
    },
    ready: (state) => {
      const s = sampler(state);
      return s.queue.length > 0 || canPropose(s);
    },
    exhausted: (state) => {
      const s = sampler(state);
      return s.queue.length === 0 && pointsLeft(s) <= 0;
    },
    take(state) {
      const s = sampler(state);
      if (!refill(state, s)) return undefined;
      const next = s.queue.shift();
      if (!next) return undefined;
      const trial = { ...next, index: state.nextIndex };
      state.nextIndex += 1;
      return trial;
    },
    observe(outcome: TrialOutcome, state: SweepState) {
      const s = sampler(state);
      const p = s.pending[outcome.trialId];
      if (p === undefined) return;
      delete s.pending[outcome.trialId];
      if (outcome.status === "cancelled") return;
      const v = outcome.objective;
      s.observations.push({ p, v: v !== undefined && Number.isFinite(v) ? v : null });
    },
  };
}
