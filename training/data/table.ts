import type { DatasetConfig } from "../../spec/types";
import { checkLabels, type PreparedData, scaleFeatures, splitParts } from "./prepared";
import { csvTable, formatOf, jsonlTable } from "./records";
import { applyScaler, fitScaler, splitRows } from "./split";
import {
  applyMissing,
  encodedNames,
  encodeRows,
  type FeatureEncoding,
  fitCategories,
  numberOf,
  numericMask,
} from "./transforms";

/**
 * A data set with declared transforms (JSON Lines, categorical columns, missing values, a
 * standardised target). Order: read, apply the missing-value rules, split, fit categories and
 * scalers on the training rows only, encode (a category only the validation rows have is an
 * error), standardise.
 */
export function loadTable(cfg: DatasetConfig, text: string): PreparedData {
  const wanted = [...cfg.features, cfg.target];
  const read = formatOf(cfg.source, cfg.format) === "jsonl" ? jsonlTable : csvTable;
  const table = applyMissing(read(text, wanted, cfg.source), cfg.missing ?? {}, cfg.source);
  const t = cfg.features.length;
  const y = Float64Array.from(table.rows, (row, r) =>
    numberOf(row[t]!, table.lines[r]!, cfg.target, cfg.source),
  );
  const numClasses =
    cfg.task === "classification" ? checkLabels(y, Uint32Array.from(table.lines), cfg) : undefined;
  const parts = splitRows(table.rows.length, cfg.split, cfg.source);
  const encodings: FeatureEncoding[] = cfg.features.map((column, c) => {
    const encoding = cfg.categorical?.[column];
    return encoding
      ? { column, encoding, categories: fitCategories(table, c, parts.train) }
      : { column, encoding: "number" };
  });
  const { x } = encodeRows(table, encodings, cfg.source);
  const data = splitParts(cfg.task, encodedNames(encodings), x, y, parts, numClasses);
  if (cfg.standardize) {
    // Categorical encodings stay 0/1 (or indices): only numeric columns are scaled.
    const fitted = fitScaler(data.xTrain, data.nFeatures);
    const numeric = numericMask(encodings);
    scaleFeatures(data, {
      mean: fitted.mean.map((m, i) => (numeric[i] ? m : 0)),
      std: fitted.std.map((s, i) => (numeric[i] ? s : 1)),
    });
  }
  if (cfg.standardizeTarget) {
    const fitted = fitScaler(data.yTrain, 1);
    data.targetScaler = { mean: fitted.mean[0]!, std: fitted.std[0]! };
    applyScaler(data.yTrain, 1, fitted);
    applyScaler(data.yVal, 1, fitted);
  }
  return data;
}
