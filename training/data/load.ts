import type { DatasetConfig, Task } from "../../spec/types";
import { DataError } from "../errors";
import { builtinCsv } from "./builtin";
import { readNumericCsv } from "./csv";
import { formatOf } from "./records";
import { applyScaler, fitScaler, splitRows, takeRows } from "./split";
import { loadTable } from "./table";

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

/** Whether the spec declares anything beyond a numeric CSV (else the original reader runs). */
function declaresTable(cfg: DatasetConfig): boolean {
  return (
    formatOf(cfg.source, cfg.format) !== "csv" ||
    cfg.categorical !== undefined ||
    cfg.missing !== undefined ||
    cfg.standardizeTarget === true
  );
}

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

/**
 * Reads, validates and splits a data set. `readText` fetches the source (local file or object
 * store); built-in sources such as `iris:` never reach it. Throws `DataError` on bad data.
 * @example await loadDataset(cfg, (p) => readFile(p, "utf8"))
 */
export async function loadDataset(
  cfg: DatasetConfig,
  readText: (source: string) => Promise<string>,
): Promise<PreparedData> {
  if (cfg.features.length === 0) throw new DataError(`${cfg.source}: no feature columns given`);
  const text = builtinCsv(cfg.source) ?? (await readText(cfg.source));
  if (declaresTable(cfg)) return loadTable(cfg, text);
  const table = readNumericCsv(text, [...cfg.features, cfg.target], cfg.source);
  const width = cfg.features.length;
  const all = table.values;
  const x = new Float64Array(table.rows * width);
  const y = new Float64Array(table.rows);
  for (let r = 0; r < table.rows; r++) {
    x.set(all.subarray(r * (width + 1), r * (width + 1) + width), r * width);
    y[r] = all[r * (width + 1) + width]!;
  }
  const numClasses = cfg.task === "classification" ? checkLabels(y, table.lines, cfg) : undefined;
  const { train, val } = splitRows(table.rows, cfg.split, cfg.source);
  const data: PreparedData = {
    task: cfg.task,
    featureNames: [...cfg.features],
    nFeatures: width,
    nTrain: train.length,
    nVal: val.length,
    xTrain: takeRows(x, width, train),
    yTrain: takeRows(y, 1, train),
    xVal: takeRows(x, width, val),
    yVal: takeRows(y, 1, val),
    ...(numClasses === undefined ? {} : { numClasses }),
  };
  if (cfg.standardize) {
    data.scaler = fitScaler(data.xTrain, width);
    applyScaler(data.xTrain, width, data.scaler);
    applyScaler(data.xVal, width, data.scaler);
  }
  return data;
}
