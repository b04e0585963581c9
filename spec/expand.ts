import { canonicalJson } from "./canonical";
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
import { freeParamsOf, modelCache, paramOrder } from "./trial-parts";
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
export type Expandable = Pick<SweepSpec, "grid" | "exclude" | "trials" | "search" | "model"> & {
  training: Pick<SweepSpec["training"], "batchSize" | "epochs">;
  params?: SweepSpec["params"];
};

type Params = Record<string, ParamValue> & { optimizer: OptimizerName; seed: number };

/** A trial's grid coordinates and its config but the dataset. */
interface Candidate {
  params: Params;
  parts: Omit<TrialConfig, "dataset">;
}

/** The value of a key of the grid: a grid key's, or a free parameter's. */
function axisOf(grid: SweepSpec["grid"], key: string): unknown {
  return key in grid && key !== "params" ? grid[key as GridKey] : grid.params?.[key];
}

/** The grid axes (lists) that apply to one optimizer, in param order (seed last, so it varies fastest). */
function axesFor(grid: SweepSpec["grid"], name: OptimizerName): Array<[string, ParamValue[]]> {
  const axes: Array<[string, ParamValue[]]> = [];
  for (const key of paramOrder(grid)) {
    const values = axisOf(grid, key);
    const free = !(GRID_KEYS as readonly string[]).includes(key);
    if (key !== "optimizer" && Array.isArray(values) && (free || appliesTo(key as GridKey, name)))
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
function withSampled(params: Params, point: Point, space: SearchSpace, order: string[]): Params {
  const known: Record<string, ParamValue> = { ...params };
  for (const pass of [false, true]) {
    for (const param of space.params) {
      if ((param.when !== undefined) !== pass || param.key === "optimizer") continue;
      const value = point[param.key];
      if (value !== undefined && isActive(param, known, [])) known[param.key] = value;
    }
  }
  const merged: Record<string, ParamValue> = {};
  for (const key of order) if (known[key] !== undefined) merged[key] = known[key];
  return merged as Params;
}

/** Every combination of the axes, last axis fastest (an odometer). */
function* product(axes: Array<[string, ParamValue[]]>): Generator<Record<string, ParamValue>> {
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

function* gridParams(spec: Expandable, points?: Iterable<Point>): Generator<Params> {
  const space = searchSpaceOf(spec.grid);
  const order = paramOrder(spec.grid);
  for (const sampled of points ?? sampledPoints(spec, space)) {
    const names = isDistribution(spec.grid.optimizer)
      ? [sampled.optimizer as OptimizerName]
      : spec.grid.optimizer;
    for (const name of names) {
      for (const point of product(axesFor(spec.grid, name))) {
        const params = withSampled({ optimizer: name, ...point } as Params, sampled, space, order);
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

/**
 * Distinct trials in order; params that resolve to the same config are one trial. With `points`,
 * only the grid crossed with those sampled points (no explicit trials).
 */
function* candidates(spec: Expandable, points?: Iterable<Point>): Generator<Candidate> {
  const seen = new Set<string>();
  const modelFor = modelCache(spec.model);
  const sources = points ? [gridParams(spec, points)] : [gridParams(spec), explicitParams(spec)];
  for (const source of sources) {
    for (const params of source) {
      const optimizer = resolveOptimizer(params.optimizer, params as Partial<OptimizerConfig>);
      const batchSize = (params.batchSize as number | undefined) ?? spec.training.batchSize;
      const epochs = (params.epochs as number | undefined) ?? spec.training.epochs;
      const model = modelFor(params);
      const free = freeParamsOf(spec, params);
      // resolveOptimizer always builds keys in the same order, so plain JSON is a faithful key.
      const shared = model === spec.model ? "" : canonicalJson(model);
      const extra = free === undefined ? "" : canonicalJson(free);
      const key = `${JSON.stringify(optimizer)}|${batchSize}|${epochs}|${shared}|${extra}|${params.seed}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const parts = { optimizer, batchSize, epochs, model, seed: params.seed };
      yield { params, parts: free === undefined ? parts : { ...parts, params: free } };
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
  const { path, s3, url, ...rest } = dataset;
  return { source: (path ?? s3 ?? url) as string, ...rest };
}

/**
 * Expands a validated spec into its trials: pure and deterministic. Grid trials come first, as
 * the cartesian product in GRID_KEYS order (optimizer outermost, seed innermost, values in the
 * order listed), skipping settings that do not apply to the optimizer and combinations an
 * exclude rule matches; then the explicit trials (each once per grid seed unless it names one).
 * Trials that resolve to the same config are kept once, at their first position.
 * Configs share their dataset and model objects (read-only).
 *
 * @example
 * expandTrials(spec).map((t) => t.trialId) // ["t-3f9c0e1d2a4b5c6d", ...]
 */
export function expandTrials(spec: SweepSpec): TrialSpec[] {
  return trialsOf(spec, candidates(spec), 0);
}

/**
 * The trials of one sampled point (a TPE proposal): the grid lists crossed with `point`,
 * indexed from `firstIndex`, with the ids expansion would give them.
 *
 * @example expandPoint(spec, { learningRate: 0.003 }, 5) // one trial per grid combination and seed
 */
export function expandPoint(spec: SweepSpec, point: Point, firstIndex: number): TrialSpec[] {
  return trialsOf(spec, candidates(spec, [point]), firstIndex);
}

function trialsOf(spec: SweepSpec, found: Iterable<Candidate>, firstIndex: number): TrialSpec[] {
  const dataset = datasetConfigOf(spec.dataset);
  const hashers = new Map<string, ReturnType<typeof trialIdHasher>>();
  const idOf = (config: TrialConfig): string => {
    const { batchSize, epochs, model } = config;
    // Models are shared objects (see modelCache), so their identity plus the numbers is a key.
    const key = `${batchSize}|${epochs}|${model === spec.model ? "" : canonicalJson(model)}`;
    let hasher = hashers.get(key);
    if (!hasher) {
      hasher = trialIdHasher({ dataset, model, epochs, batchSize });
      hashers.set(key, hasher);
    }
    return hasher(config.optimizer, config.seed, config.params);
  };
  const trials: TrialSpec[] = [];
  let index = firstIndex;
  for (const { params, parts } of found) {
    const { model, optimizer, epochs, batchSize, seed } = parts;
    const free = parts.params ? { params: parts.params } : {};
    const config: TrialConfig = { dataset, model, optimizer, epochs, batchSize, seed, ...free };
    trials.push({ trialId: idOf(config), index, params, config });
    index++;
  }
  return trials;
}
