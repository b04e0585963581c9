/**
 * Declared transforms of a table beyond plain numbers: missing values (drop the row or fill),
 * categorical columns (one-hot or index, categories fitted on the training rows only). Pure;
 * every error names the file, the line and the column.
 */
import type { CategoricalEncoding, MissingRule } from "../../spec/types";
import { DataError } from "../errors";
import type { Cell, RawTable } from "./records";

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A numeric cell, strictly (as the CSV reader has always read numbers). */
export function numberOf(cell: Cell, line: number, column: string, source: string): number {
  const v = typeof cell === "number" ? cell : NUMBER.test(cell ?? "") ? Number(cell) : Number.NaN;
  if (!Number.isFinite(v)) {
    const what = cell === null ? "is empty" : `${JSON.stringify(cell)} is not a number`;
    const hint = typeof cell === "string" ? ` (declare it under dataset.categorical)` : "";
    throw new DataError(`${source}: line ${line}, column "${column}": ${what}${hint}`);
  }
  return v;
}

/**
 * Applies the declared missing-value rules: `drop` removes the row, `{fill: v}` puts `v` in.
 * A missing cell in a column without a rule is an error naming it.
 */
export function applyMissing(
  table: RawTable,
  rules: Record<string, MissingRule>,
  source: string,
): RawTable {
  const rows: Cell[][] = [];
  const lines: number[] = [];
  table.rows.forEach((row, r) => {
    const line = table.lines[r]!;
    const out = [...row];
    for (const [c, cell] of row.entries()) {
      if (cell !== null) continue;
      const column = table.columns[c]!;
      const rule = rules[column];
      if (rule === undefined) {
        throw new DataError(
          `${source}: line ${line}, column "${column}": is empty (declare dataset.missing.${column}: drop, or {fill: value})`,
        );
      }
      if (rule === "drop") return;
      out[c] = rule.fill;
    }
    rows.push(out);
    lines.push(line);
  });
  if (rows.length === 0)
    throw new DataError(`${source}: no rows left after dropping missing values`);
  return { columns: table.columns, rows, lines };
}

/** The categories of column `c` among the training rows: distinct values, sorted. */
export function fitCategories(table: RawTable, c: number, train: Int32Array): string[] {
  const seen = new Set<string>();
  for (const r of train) seen.add(String(table.rows[r]![c]));
  return [...seen].sort();
}

/** How each feature becomes columns of x. */
export interface FeatureEncoding {
  column: string;
  encoding: "number" | CategoricalEncoding;
  /** Categorical only: fitted on the training rows. */
  categories?: string[];
}

/** The encoded feature names: one-hot columns are `name=value`. */
export function encodedNames(encodings: FeatureEncoding[]): string[] {
  return encodings.flatMap((e) =>
    e.encoding === "onehot" ? (e.categories ?? []).map((v) => `${e.column}=${v}`) : [e.column],
  );
}

/**
 * Encodes feature cells (the table's first columns, in `encodings` order) into a row-major
 * matrix. A category the training rows never had is an error naming line, column and value.
 */
export function encodeRows(
  table: RawTable,
  encodings: FeatureEncoding[],
  source: string,
): { x: Float64Array; width: number } {
  const width = encodedNames(encodings).length;
  const x = new Float64Array(table.rows.length * width);
  table.rows.forEach((row, r) => {
    let o = r * width;
    encodings.forEach((e, c) => {
      const cell = row[c]!;
      const line = table.lines[r]!;
      if (e.encoding === "number") {
        x[o++] = numberOf(cell, line, e.column, source);
        return;
      }
      const categories = e.categories ?? [];
      const k = categories.indexOf(String(cell));
      if (k < 0) {
        throw new DataError(
          `${source}: line ${line}, column "${e.column}": category ${JSON.stringify(String(cell))} is not in the training split (${categories.map((v) => JSON.stringify(v)).join(", ")})`,
        );
      }
      if (e.encoding === "index") x[o++] = k;
      else {
        x[o + k] = 1;
        o += categories.length;
      }
    });
  });
  return { x, width };
}

/** Which encoded columns are numeric (standardised) and which categorical (left as they are). */
export function numericMask(encodings: FeatureEncoding[]): boolean[] {
  return encodings.flatMap((e) =>
    e.encoding === "onehot" ? (e.categories ?? []).map(() => false) : [e.encoding === "number"],
  );
}
