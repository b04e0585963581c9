import { appliesTo, GRID_KEYS } from "../optimizer-defaults";
import type {
  Condition,
  Distribution,
  GridKey,
  GridSpec,
  OptimizerName,
  ParamValue,
} from "../types";
import type { Rng } from "./rng";

/** A distribution in the form samplers use (bounds included; `log` samples in log space). */
export type ParamDist =
  | { kind: "float"; low: number; high: number; log: boolean }
  | { kind: "int"; low: number; high: number; step: number; log: boolean }
  | { kind: "choice"; values: ParamValue[] };

/** One sampled setting of the space: a grid key, or a free parameter's name. */
export interface SpaceParam {
  key: GridKey | string;
  dist: ParamDist;
  when?: Condition;
}

/**
 * The sampled part of a sweep's space, in grid-key order; `optimizers` are those a trial may
 * use (listed or sampled), for deciding which settings can apply.
 */
export interface SearchSpace {
  params: SpaceParam[];
  optimizers: OptimizerName[];
}

/** Sampled settings of one point: key → value. */
export type Point = Record<string, ParamValue>;

/** Whether a grid value is a distribution (an object) rather than a list. */
export function isDistribution<A>(axis: A): axis is Exclude<A, readonly unknown[] | undefined> {
  return typeof axis === "object" && axis !== null && !Array.isArray(axis);
}

/** The sampler form of a validated distribution. */
export function paramDistOf(d: Distribution): ParamDist {
  if (d.choice) return { kind: "choice", values: d.choice };
  if (d.int) {
    const [low, high] = d.int;
    return { kind: "int", low, high, step: d.step ?? 1, log: d.log ?? false };
  }
  const [low, high] = (d.uniform ?? d.loguniform) as [number, number];
  return { kind: "float", low, high, log: d.loguniform !== undefined };
}

/**
 * The sampled settings of a validated grid.
 *
 * @example searchSpaceOf({ optimizer: ["sgd"], learningRate: { loguniform: [1e-4, 0.1] }, seed: [0] })
 * // { params: [{ key: "learningRate", dist: { kind: "float", low: 1e-4, high: 0.1, log: true } }], optimizers: ["sgd"] }
 */
export function searchSpaceOf(grid: GridSpec): SearchSpace {
  const params: SpaceParam[] = [];
  for (const key of GRID_KEYS) {
    const axis = grid[key];
    if (key === "seed" || !isDistribution(axis)) continue;
    params.push({ key, dist: paramDistOf(axis), ...(axis.when ? { when: axis.when } : {}) });
  }
  for (const [key, axis] of Object.entries(grid.params ?? {})) {
    if (!isDistribution(axis)) continue;
    params.push({ key, dist: paramDistOf(axis), ...(axis.when ? { when: axis.when } : {}) });
  }
  const optimizers = optimizersOf(grid);
  return { params, optimizers };
}

/** The optimizers a trial may use: the grid's list, or the choice it samples from. */
export function optimizersOf(grid: Pick<GridSpec, "optimizer">): OptimizerName[] {
  const { optimizer } = grid;
  return isDistribution(optimizer) ? (optimizer.choice ?? []) : optimizer;
}

/**
 * Whether a setting applies to a trial whose other values are `known`: its optimizer uses it and
 * its `when` holds. A `when` key missing from `known` matches only with `unknownMatches` (a
 * proposal made before the grid values it is crossed with are chosen).
 */
export function isActive(
  param: SpaceParam,
  known: Point,
  optimizers: OptimizerName[],
  unknownMatches = false,
): boolean {
  const optimizer = known.optimizer as OptimizerName | undefined;
  const names = optimizer === undefined ? optimizers : [optimizer];
  const key = param.key as GridKey;
  const free = !(GRID_KEYS as readonly string[]).includes(key); // applies to every optimizer
  if (!free && !names.some((name) => appliesTo(key, name))) return false;
  return Object.entries(param.when ?? {}).every(([key, values]) => {
    const value = known[key];
    return value === undefined ? unknownMatches : (values as ParamValue[]).includes(value);
  });
}

/** Six significant digits, kept within the bounds: readable ids and leaderboards. */
export function roundSampled(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Number(x.toPrecision(6))));
}

/** A float in `[low, high]` from a uniform draw `u` in [0, 1), in log space when asked. */
export function floatAt(dist: { low: number; high: number; log: boolean }, u: number): number {
  const { low, high, log } = dist;
  const x = log
    ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low)))
    : low + u * (high - low);
  return roundSampled(x, low, high);
}

/** The whole number of an int distribution nearest `x` (x in the same space as `u`'s image). */
export function intAt(dist: Extract<ParamDist, { kind: "int" }>, u: number): number {
  const { low, high, step, log } = dist;
  if (log) {
    const x = Math.exp(Math.log(low) + u * (Math.log(high + 1) - Math.log(low)));
    return Math.min(high, Math.max(low, Math.floor(x)));
  }
  const count = Math.floor((high - low) / step) + 1;
  return low + step * Math.min(count - 1, Math.floor(u * count));
}

/** One value drawn from a distribution. */
export function sampleValue(dist: ParamDist, rng: Rng): ParamValue {
  if (dist.kind === "choice") return dist.values[rng.below(dist.values.length)] as ParamValue;
  if (dist.kind === "int") return intAt(dist, rng.next());
  return floatAt(dist, rng.next());
}

/**
 * One point of the space: a value for every sampled setting, drawn in grid-key order whether or
 * not it will apply, so each setting always takes the same draw of the stream.
 */
export function samplePoint(space: SearchSpace, rng: Rng): Point {
  const point: Point = {};
  for (const param of space.params) point[param.key] = sampleValue(param.dist, rng);
  return point;
}
