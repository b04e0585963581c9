import { appliesTo, GRID_KEYS, resolveOptimizer } from "./optimizer-defaults";
import { createRng } from "./space/rng";
import {
  isActive,
  isDistribution,
  type Point,
  type SearchSpace,
  samplePoint,
  searchSpaceOf,
} from "./space/space";
import { trialIdHasher } from "./trial-id";
import type {
  DatasetConfig,
  DatasetSpec,
  ExcludeRule,
  GridKey,
  OptimizerConfig,
  OptimizerName,
  ParamValue,
  SweepSpec,
  TrialConfig,
  TrialSpec,
} from "./types";

/** The most trials one sweep may expand to. */
export const MAX_TRIALS = 100_000;

/** What expansion reads: the space, the exclude rules, the explicit trials, the search. */
export type Expandable = Pick<SweepSpec, "grid" | "exclude" | "trials" | "search"> & {
  training: Pick<SweepSpec["training"], "batchSize">;
};

type Params = Record<string, ParamValue> & { optimizer: OptimizerName; seed: number };

interface Candidate {
  params: Params;
  optimizer: OptimizerConfig;
  batchSize: number;
  seed: number;
}

/** The grid axes (lists) that apply to one optimizer, in grid order (seed last, so it varies fastest). */
function axesFor(grid: SweepSpec["grid"], name: OptimizerName): Array<[GridKey, ParamValue[]]> {
  const axes: Array<[GridKey, ParamValue[]]> = [];
  for (const key of GRID_KEYS) {
    const values = grid[key];
    if (key !== "optimizer" && Array.isArray(values) && appliesTo(key, name))
      axes.push([key, values]);
  }
  return axes;
}

/**
 * How many sampled points expansion crosses with the grid: one empty point for grid search,
 * `trials` for random, the start-up trials for tpe (later points depend on results).
 */
export function sampledPointCount(search: SweepSpec["search"]): number {
  if (search === undefined || search.method === "grid") return 1;
  return search.method === "random" ? search.trials : Math.min(search.trials, search.startupTrials);
}

/**
 * The i-th random point of a search: stream i of the search seed, so a point does not depend on
 * how many come after it (raising `trials` keeps the earlier trials and their ids).
 */
export function randomPoint(space: SearchSpace, seed: number, i: number): Point {
  return samplePoint(space, createRng(seed, i));
}

function* sampledPoints(spec: Expandable, space: SearchSpace): Generator<Point> {
  const seed = spec.search && spec.search.method !== "grid" ? spec.search.seed : 0;
  const count = sampledPointCount(spec.search);
  for (let i = 0; i < count; i++) yield space.params.length ? randomPoint(space, seed, i) : {};
}

/**
 * Grid params with the point's settings that apply to them, keys in grid order. Unconditional
 * settings first, so `when` sees them (a `when` key is never itself conditional).
 */
function withSampled(params: Params, point: Point, space: SearchSpace): Params {
  const known: Record<string, ParamValue> = { ...params };
  for (const pass of [false, true]) {
    for (const param of space.params) {
      if ((param.when !== undefined) !== pass || param.key === "optimizer") continue;
      const value = point[param.key];
      if (value !== undefined && isActive(param, known, [])) known[param.key] = value;
    }
  }
  const merged: Record<string, ParamValue> = {};
  for (const key of GRID_KEYS) if (known[key] !== undefined) merged[key] = known[key];
  return merged as Params;
}

/** Every combination of the axes, last axis fastest (an odometer). */
function* product(axes: Array<[GridKey, ParamValue[]]>): Generator<Record<string, ParamValue>> {
  const digits = axes.map(() => 0);
  while (true) {
    const point: Record<string, ParamValue> = {};
    axes.forEach(([key, values], i) => {
      point[key] = values[digits[i] ?? 0] as ParamValue;
    });
    yield point;
    let i = axes.length - 1;
    for (; i >= 0; i--) {
      const next = (digits[i] ?? 0) + 1;
      if (next < (axes[i]?.[1].length ?? 0)) {
        digits[i] = next;
        break;
      }
      digits[i] = 0;
    }
    if (i < 0) return;
  }
}

/** A rule matches when every key it names has a listed value; a key the trial lacks never matches. */
function excluded(rules: ExcludeRule[], params: Params): boolean {
  return rules.some(
    (rule) =>
      Object.keys(rule).length > 0 &&
      Object.entries(rule).every(([key, values]) => {
        const value = params[key];
        return value !== undefined && (values as ParamValue[]).includes(value);
      }),
  );
}

function* gridParams(spec: Expandable): Generator<Params> {
  const space = searchSpaceOf(spec.grid);
  for (const sampled of sampledPoints(spec, space)) {
    const names = isDistribution(spec.grid.optimizer)
      ? [sampled.optimizer as OptimizerName]
      : spec.grid.optimizer;
    for (const name of names) {
      for (const point of product(axesFor(spec.grid, name))) {
        const params = withSampled({ optimizer: name, ...point } as Params, sampled, space);
        if (!excluded(spec.exclude, params)) yield params;
      }
    }
  }
}

function* explicitParams(spec: Expandable): Generator<Params> {
  for (const trial of spec.trials) {
    for (const seed of trial.seed === undefined ? spec.grid.seed : [trial.seed]) {
      const params: Record<string, ParamValue> = {};
      for (const key of GRID_KEYS) {
        const value = key === "seed" ? seed : trial[key];
        if (value !== undefined) params[key] = value;
      }
      yield params as Params;
    }
  }
}

/** Distinct trials in order; params that resolve to the same optimizer, batch size and seed are one trial. */
function* candidates(spec: Expandable): Generator<Candidate> {
  const seen = new Set<string>();
  for (const source of [gridParams(spec), explicitParams(spec)]) {
    for (const params of source) {
      const optimizer = resolveOptimizer(params.optimizer, params as Partial<OptimizerConfig>);
      const batchSize = (params.batchSize as number | undefined) ?? spec.training.batchSize;
      // resolveOptimizer always builds keys in the same order, so plain JSON is a faithful key.
      const key = `${JSON.stringify(optimizer)}|${batchSize}|${params.seed}`;
      if (seen.has(key)) continue;
      seen.add(key);
      yield { params, optimizer, batchSize, seed: params.seed };
    }
  }
}

/**
 * An upper bound on the trial count, computed without expanding (before exclusion and
 * de-duplication); `points` sampled points are crossed with the grid.
 */
export function trialCountBound(spec: Expandable, points = sampledPointCount(spec.search)): number {
  const { optimizer } = spec.grid;
  const names = isDistribution(optimizer) ? (optimizer.choice ?? []) : optimizer;
  let bound = 0;
  for (const name of names) {
    bound += axesFor(spec.grid, name).reduce((n, [, values]) => n * values.length, points);
  }
  for (const trial of spec.trials) bound += trial.seed === undefined ? spec.grid.seed.length : 1;
  return bound;
}

/**
 * How many distinct trials the spec expands to.
 *
 * @example countTrials(spec) // 24 for 8 learning rates x 3 seeds
 */
export function countTrials(spec: Expandable): number {
  let count = 0;
  for (const _ of candidates(spec)) count++;
  return count;
}

/** The dataset settings a trial trains on (`path` or `s3` becomes `source`). */
export function datasetConfigOf(dataset: DatasetSpec): DatasetConfig {
  const { path, s3, ...rest } = dataset;
  return { source: (path ?? s3) as string, ...rest };
}

/** A half-open slice `[start, end)` of the expanded trials, for expanding a big sweep in shards. */
export interface TrialRange {
  start?: number;
  end?: number;
}

/**
 * Expands a validated spec into its trials: pure and deterministic. Grid trials come first, as
 * the cartesian product in GRID_KEYS order (optimizer outermost, seed innermost, values in the
 * order listed), skipping settings that do not apply to the optimizer and combinations an
 * exclude rule matches; then the explicit trials (each once per grid seed unless it names one).
 * Trials that resolve to the same config are kept once, at their first position.
 * `range` selects a slice by index; configs share their dataset and model objects (read-only).
 *
 * @example
 * expandTrials(spec).map((t) => t.trialId) // ["t-3f9c0e1d2a4b5c6d", ...]
 * expandTrials(spec, { start: 1000, end: 2000 }) // one shard
 */
export function expandTrials(spec: SweepSpec, range: TrialRange = {}): TrialSpec[] {
  const start = range.start ?? 0;
  const end = range.end ?? Number.POSITIVE_INFINITY;
  const dataset = datasetConfigOf(spec.dataset);
  const { epochs } = spec.training;
  const hashers = new Map<number, ReturnType<typeof trialIdHasher>>();
  const idOf = (batchSize: number, optimizer: OptimizerConfig, seed: number): string => {
    let hasher = hashers.get(batchSize);
    if (!hasher) {
      hasher = trialIdHasher({ dataset, model: spec.model, epochs, batchSize });
      hashers.set(batchSize, hasher);
    }
    return hasher(optimizer, seed);
  };
  const trials: TrialSpec[] = [];
  let index = 0;
  for (const { params, optimizer, batchSize, seed } of candidates(spec)) {
    if (index >= end) break;
    if (index >= start) {
      const config: TrialConfig = {
        dataset,
        model: spec.model,
        optimizer,
        epochs,
        batchSize,
        seed,
      };
      trials.push({ trialId: idOf(batchSize, optimizer, seed), index, params, config });
    }
    index++;
  }
  return trials;
}

/** The trial at `index` of `expandTrials(spec)`, or undefined past the end. */
export function trialAt(spec: SweepSpec, index: number): TrialSpec | undefined {
  return expandTrials(spec, { start: index, end: index + 1 })[0];
}
