import type { DatasetConfig, Task } from "../../spec/types";
import { DataError } from "../errors";
import { applyScaler, type SplitIndices, takeRows } from "./split";

/** A validated, split (and optionally standardised) data set, ready for any model. */
export interface PreparedData {
  task: Task;
  featureNames: string[];
  nFeatures: number;
  /** Classification only. */
  numClasses?: number;
  nTrain: number;
  nVal: number;
  /** nTrain × nFeatures, row-major, float64 (the MLP converts to float32). */
  xTrain: Float64Array;
  /** Targets; class indices for classification. */
  yTrain: Float64Array;
  xVal: Float64Array;
  yVal: Float64Array;
  /** Present when standardised: fitted on the training part only. */
  scaler?: { mean: number[]; std: number[] };
  /** Present with `standardizeTarget`: the target's mean/std on the training part. */
  targetScaler?: { mean: number; std: number };
}

/** Class labels checked (integers in 0..numClasses-1, at least 2 classes); returns numClasses. */
export function checkLabels(y: Float64Array, lines: Uint32Array, cfg: DatasetConfig): number {
  let max = 0;
  y.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) {
      throw new DataError(
        `${cfg.source}: line ${lines[i]}, column "${cfg.target}": class label ${v} is not an integer ≥ 0`,
      );
    }
    max = Math.max(max, v);
  });
  const k = cfg.numClasses ?? max + 1;
  const bad = y.findIndex((v) => v >= k);
  if (bad >= 0) {
    throw new DataError(
      `${cfg.source}: line ${lines[bad]}, column "${cfg.target}": class label ${y[bad]} is outside 0..${k - 1} (numClasses ${k})`,
    );
  }
  if (k < 2) throw new DataError(`${cfg.source}: classification needs at least 2 classes`);
  return k;
}

/** The training and validation parts of `x` (row-major, one column per feature name) and `y`. */
export function splitParts(
  task: Task,
  featureNames: string[],
  x: Float64Array,
  y: Float64Array,
  { train, val }: SplitIndices,
  numClasses: number | undefined,
): PreparedData {
  const width = featureNames.length;
  return {
    task,
    featureNames,
    nFeatures: width,
    nTrain: train.length,
    nVal: val.length,
    xTrain: takeRows(x, width, train),
    yTrain: takeRows(y, 1, train),
    xVal: takeRows(x, width, val),
    yVal: takeRows(y, 1, val),
    ...(numClasses === undefined ? {} : { numClasses }),
  };
}

/** Standardises both parts' features in place with `scaler` (fitted on the training part). */
export function scaleFeatures(data: PreparedData, scaler: { mean: number[]; std: number[] }) {
  data.scaler = scaler;
  applyScaler(data.xTrain, data.nFeatures, scaler);
  applyScaler(data.xVal, data.nFeatures, scaler);
}
