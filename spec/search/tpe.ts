import type { Rng } from "../space/rng";
import {
  isActive,
  type ParamDist,
  type Point,
  roundSampled,
  type SearchSpace,
  type SpaceParam,
  samplePoint,
} from "../space/space";
import type { ParamValue } from "../types";
import { buildParzen, categoricalProbabilities, logDensity, sampleParzen } from "./parzen";

/** A finished trial as TPE sees it: its sampled settings and its objective value. */
export interface Observation {
  params: Point;
  /** NaN or ±Infinity (a diverged trial) ranks worst. */
  value: number;
}

export interface TpeOptions {
  mode: "min" | "max";
  /** Proposals before this many trials (finished or pending) are random. */
  startupTrials: number;
  /** Candidates drawn from the good trials' estimator per setting (Optuna's default: 24). */
  candidates?: number;
}

type Scored = { params: Point; score: number };

/** Optuna's default split: the best 10% (at most 25) are the good group. */
const goodCount = (n: number) => Math.max(1, Math.min(Math.ceil(0.1 * n), 25));

/**
 * Lower is better; failures rank worst. Pending trials are "constant liars": each counts as a
 * result as bad as the worst so far, which keeps parallel proposals away from each other.
 */
function ranked(finished: Observation[], pending: Point[], mode: TpeOptions["mode"]): Scored[] {
  const scored = finished.map((o) => ({
    params: o.params,
    score: Number.isFinite(o.value) ? (mode === "max" ? -o.value : o.value) : Infinity,
  }));
  const finite = scored.filter((s) => Number.isFinite(s.score)).map((s) => s.score);
  const worst = finite.length ? Math.max(...finite) : Infinity;
  const all = [...scored, ...pending.map((params) => ({ params, score: worst }))];
  // Stable sort on (score, arrival): equal inputs always split the same way.
  return all
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.score - b.s.score || a.i - b.i)
    .map(({ s }) => s);
}

/** The sampling space of a numeric distribution: log where asked, ints widened by half a step. */
function numericSpace(dist: Exclude<ParamDist, { kind: "choice" }>) {
  const half = dist.kind === "int" ? 0.5 * dist.step : 0;
  const to = (x: number) => (dist.log ? Math.log(x) : x);
  return { to, low: to(dist.low - half), high: to(dist.high + half) };
}

function fromSpace(dist: Exclude<ParamDist, { kind: "choice" }>, t: number): number {
  const x = dist.log ? Math.exp(t) : t;
  if (dist.kind === "float") return roundSampled(x, dist.low, dist.high);
  const k = Math.round((x - dist.low) / dist.step);
  return Math.min(dist.high, Math.max(dist.low, dist.low + k * dist.step));
}

function argmax<T>(candidates: T[], score: (c: T) => number): T {
  let best = candidates[0] as T;
  let bestScore = -Infinity;
  for (const c of candidates) {
    const s = score(c);
    if (s > bestScore) [best, bestScore] = [c, s];
  }
  return best;
}

function proposeValue(
  param: SpaceParam,
  good: Point[],
  bad: Point[],
  rng: Rng,
  count: number,
): ParamValue {
  const { dist, key } = param;
  const seen = (group: Point[]) =>
    group.map((p) => p[key]).filter((v): v is ParamValue => v !== undefined);
  if (dist.kind === "choice") {
    const index = (group: Point[]) => seen(group).map((v) => dist.values.indexOf(v));
    const l = categoricalProbabilities(index(good), dist.values.length);
    const g = categoricalProbabilities(index(bad), dist.values.length);
    const draws = Array.from({ length: count }, () => pickIndex(l, rng.next()));
    const best = argmax(draws, (i) => Math.log(l[i] ?? 1) - Math.log(g[i] ?? 1));
    return dist.values[best] as ParamValue;
  }
  const space = numericSpace(dist);
  const toSpace = (group: Point[]) => seen(group).map((v) => space.to(v as number));
  const l = buildParzen(toSpace(good), space.low, space.high);
  const g = buildParzen(toSpace(bad), space.low, space.high);
  const draws = Array.from({ length: count }, () => sampleParzen(l, rng));
  const best = argmax(draws, (t) => logDensity(l, t) - logDensity(g, t));
  return fromSpace(dist, best);
}

function pickIndex(probabilities: number[], u: number): number {
  let rest = u;
  for (let i = 0; i < probabilities.length - 1; i++) {
    rest -= probabilities[i] ?? 0;
    if (rest < 0) return i;
  }
  return probabilities.length - 1;
}

/**
 * The next point to try, by the tree-structured Parzen estimator (univariate, as Optuna's
 * default sampler): finished and pending trials split into a good and a bad group, each setting
 * drawn where good/bad density is highest. A setting that does not apply to a trial (its
 * optimizer does not use it, or its `when` fails) is left out of that trial and of the model.
 * Pure and deterministic: equal inputs and an equal `rng` give an equal point. Before
 * `startupTrials` trials, or with no finished result yet, the point is random (`samplePoint`).
 *
 * @example
 * const next = proposeNext(space, [{ params: { learningRate: 0.01 }, value: 0.8 }], [], createRng(seed, 11),
 *   { mode: "max", startupTrials: 10 });
 */
export function proposeNext(
  space: SearchSpace,
  finished: Observation[],
  pending: Point[],
  rng: Rng,
  options: TpeOptions,
): Point {
  const known = finished.filter((o) => Number.isFinite(o.value));
  if (finished.length + pending.length < options.startupTrials || known.length === 0) {
    return samplePoint(space, rng);
  }
  const all = ranked(finished, pending, options.mode).map((s) => s.params);
  const n = goodCount(all.length);
  const good = all.slice(0, n);
  const bad = all.slice(n);
  const count = options.candidates ?? 24;
  const point: Point = {};
  // Unconditional settings first, so each `when` is judged on the values proposed for them.
  for (const conditional of [false, true]) {
    for (const param of space.params) {
      if ((param.when !== undefined) !== conditional) continue;
      if (!isActive(param, point, space.optimizers, true)) continue;
      point[param.key] = proposeValue(param, good, bad, rng, count);
    }
  }
  return point;
}
