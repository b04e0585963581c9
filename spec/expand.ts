import { appliesTo, GRID_KEYS, resolveOptimizer } from "./optimizer-defaults";
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

/** What expansion reads: the grid, the exclude rules and the explicit trials. */
export type Expandable = Pick<SweepSpec, "grid" | "exclude" | "trials">;

type Params = Record<string, ParamValue> & { optimizer: OptimizerName; seed: number };

interface Candidate {
  params: Params;
  optimizer: OptimizerConfig;
  seed: number;
}

/** The grid axes that apply to one optimizer, in grid order (seed last, so it varies fastest). */
function axesFor(grid: SweepSpec["grid"], name: OptimizerName): Array<[GridKey, ParamValue[]]> {
  const axes: Array<[GridKey, ParamValue[]]> = [];
  for (const key of GRID_KEYS) {
    const values = grid[key];
    if (key !== "optimizer" && values !== undefined && appliesTo(key, name))
      axes.push([key, values]);
  }
  return axes;
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
  for (const name of spec.grid.optimizer) {
    for (const point of product(axesFor(spec.grid, name))) {
      const params = { optimizer: name, ...point } as Params;
      if (!excluded(spec.exclude, params)) yield params;
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

/** Distinct trials in order; two params that resolve to the same optimizer and seed are one trial. */
function* candidates(spec: Expandable): Generator<Candidate> {
  const seen = new Set<string>();
  for (const source of [gridParams(spec), explicitParams(spec)]) {
    for (const params of source) {
      const optimizer = resolveOptimizer(params.optimizer, params as Partial<OptimizerConfig>);
      // resolveOptimizer always builds keys in the same order, so plain JSON is a faithful key.
      const key = `${JSON.stringify(optimizer)}|${params.seed}`;
      if (seen.has(key)) continue;
      seen.add(key);
      yield { params, optimizer, seed: params.seed };
    }
  }
}

/** An upper bound on the trial count, computed without expanding (before exclusion and de-duplication). */
export function trialCountBound(spec: Expandable): number {
  let bound = 0;
  for (const name of spec.grid.optimizer) {
    bound += axesFor(spec.grid, name).reduce((n, [, values]) => n * values.length, 1);
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
  const { epochs, batchSize } = spec.training;
  const idOf = trialIdHasher({ dataset, model: spec.model, epochs, batchSize });
  const trials: TrialSpec[] = [];
  let index = 0;
  for (const { params, optimizer, seed } of candidates(spec)) {
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
      trials.push({ trialId: idOf(optimizer, seed), index, params, config });
    }
    index++;
  }
  return trials;
}

/** The trial at `index` of `expandTrials(spec)`, or undefined past the end. */
export function trialAt(spec: SweepSpec, index: number): TrialSpec | undefined {
  return expandTrials(spec, { start: index, end: index + 1 })[0];
}
