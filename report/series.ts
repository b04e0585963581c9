/** Learning curves per panel: seeds of one configuration folded into mean / min / max. */

import type { EpochRecord, ParamValue } from "../spec/types";
import type { TrialArtifact } from "../storage/artifacts";
import { valueKey } from "./model";

export type Split = "train" | "validation";
/** `metric`: accuracy or MSE; `loss`: the training loss. */
export type CurveKind = "metric" | "loss";

export interface CurveRow {
  epoch: number;
  config: string;
  split: Split;
  /** Unique per drawn line: config + split (+ trial for a diverged one). */
  key: string;
  mean: number;
  lo: number;
  hi: number;
  /** A single diverged trial's own line, kept out of the mean and band. */
  diverged: boolean;
}

/** Where one diverged (or early-stopped) trial's line stops. */
export interface DivergedMark {
  trialId: string;
  config: string;
  /** Epoch at which the trial diverged (the last epoch it trained, for a stopped trial). */
  divergedAt: number;
  /** Early stopping ended it: drawn as a stop point, not a divergence. */
  stopped?: boolean;
  /** Last drawn point of its validation line; undefined when it diverged at once. */
  epoch: number;
  value?: number;
}

export interface PanelData {
  rows: CurveRow[];
  marks: DivergedMark[];
}

const FIELDS: Record<CurveKind, Record<Split, keyof EpochRecord>> = {
  metric: { train: "trainMetric", validation: "valMetric" },
  loss: { train: "trainLoss", validation: "valLoss" },
};

/** The first epoch with a non-finite record, or the recorded divergence epoch. */
export function divergenceEpoch(trial: TrialArtifact): number | undefined {
  if (trial.divergedAtEpoch !== undefined) return trial.divergedAtEpoch;
  const bad = trial.records.find(
    (r) => ![r.trainLoss, r.valLoss, r.trainMetric, r.valMetric].every(Number.isFinite),
  );
  return bad?.epoch;
}

/** One trial's points: finite (and positive on a log scale), stopping before divergence. */
export function trialPoints(
  trial: TrialArtifact,
  field: keyof EpochRecord,
  logScale: boolean,
): Array<{ epoch: number; value: number }> {
  const stop = divergenceEpoch(trial) ?? Number.POSITIVE_INFINITY;
  return trial.records
    .filter((r) => r.epoch < stop)
    .map((r) => ({ epoch: r.epoch, value: r[field] }))
    .filter((p) => Number.isFinite(p.value) && (!logScale || p.value > 0));
}

/**
 * Curves and divergence marks for one panel's trials, grouped by configuration (`configOf`).
 * Seeds that finished fold into a mean line with a min–max band; a diverged seed keeps its own
 * line up to its divergence, so one blow-up does not drag the mean of the others.
 */
export function panelData(
  trials: TrialArtifact[],
  configOf: (trial: TrialArtifact) => string,
  kind: CurveKind,
  logScale: boolean,
): PanelData {
  const rows: CurveRow[] = [];
  const marks: DivergedMark[] = [];
  for (const [config, group] of groupBy(trials, configOf)) {
    // Diverged and early-stopped trials keep their own lines, out of the seeds' mean and band.
    const ended = (t: TrialArtifact) => divergenceEpoch(t) !== undefined || t.status === "stopped";
    const alive = group.filter((t) => !ended(t));
    const gone = group.filter(ended);
    for (const split of ["train", "validation"] as const) {
      const field = FIELDS[kind][split];
      rows.push(
        ...foldSeeds(
          alive.map((t) => trialPoints(t, field, logScale)),
          config,
          split,
        ),
      );
      for (const t of gone) {
        const key = `${config}|${split}|${t.trialId}`;
        for (const p of trialPoints(t, field, logScale)) {
          rows.push({
            ...p,
            config,
            split,
            key,
            mean: p.value,
            lo: p.value,
            hi: p.value,
            diverged: true,
          });
        }
      }
    }
    for (const t of gone) {
      const last = trialPoints(t, FIELDS[kind].validation, logScale).at(-1);
      const diverged = divergenceEpoch(t);
      const divergedAt = diverged ?? t.records.length;
      marks.push({
        trialId: t.trialId,
        config,
        divergedAt,
        epoch: last?.epoch ?? divergedAt,
        value: last?.value,
        ...(diverged === undefined ? { stopped: true } : {}),
      });
    }
  }
  return { rows, marks };
}

function foldSeeds(
  curves: Array<Array<{ epoch: number; value: number }>>,
  config: string,
  split: Split,
): CurveRow[] {
  const byEpoch = new Map<number, number[]>();
  for (const curve of curves) {
    for (const p of curve) pushTo(byEpoch, p.epoch, p.value);
  }
  return [...byEpoch.entries()]
    .sort(([a], [b]) => a - b)
    .map(([epoch, values]) => ({
      epoch,
      config,
      split,
      key: `${config}|${split}`,
      mean: values.reduce((s, v) => s + v, 0) / values.length,
      lo: Math.min(...values),
      hi: Math.max(...values),
      diverged: false,
    }));
}

/** Groups preserving first-seen order. */
export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) pushTo(groups, key(item), item);
  return groups;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Trials of one panel: those whose `param` equals `value` (all trials when there is no param). */
export function trialsOfPanel(
  trials: TrialArtifact[],
  param: string | undefined,
  value: ParamValue | undefined,
): TrialArtifact[] {
  if (param === undefined || value === undefined) return trials;
  const key = valueKey(value);
  return trials.filter((t) => t.params[param] !== undefined && valueKey(t.params[param]) === key);
}
