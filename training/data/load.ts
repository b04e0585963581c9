import type { DatasetConfig } from "../../spec/types";
import { DataError } from "../errors";
import { builtinCsv } from "./builtin";
import { readNumericCsv } from "./csv";
import { checkLabels, type PreparedData, scaleFeatures, splitParts } from "./prepared";
import { formatOf } from "./records";
import { fitScaler, splitRows } from "./split";
import { loadTable } from "./table";

export type { PreparedData } from "./prepared";

/** Whether the spec declares anything beyond a numeric CSV (else the original reader runs). */
function declaresTable(cfg: DatasetConfig): boolean {
  return (
    formatOf(cfg.source, cfg.format) !== "csv" ||
    cfg.categorical !== undefined ||
    cfg.missing !== undefined ||
    cfg.standardizeTarget === true
  );
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
  const parts = splitRows(table.rows, cfg.split, cfg.source);
  const data = splitParts(cfg.task, [...cfg.features], x, y, parts, numClasses);
  if (cfg.standardize) scaleFeatures(data, fitScaler(data.xTrain, width));
  return data;
}
