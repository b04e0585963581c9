import { DataError } from "../errors";
import { csvRecords } from "./csv-records";

/** A cell as read: a number, a string, or missing (empty CSV cell, JSON null or absent key). */
export type Cell = number | string | null;

/** The wanted columns of a file, one row of cells each, with the 1-based line of each row. */
export interface RawTable {
  columns: string[];
  rows: Cell[][];
  lines: number[];
}

/** `csv` or `jsonl`: declared, else from the name (`.jsonl`, `.ndjson`), else csv. */
export function formatOf(source: string, declared?: "csv" | "jsonl"): "csv" | "jsonl" {
  if (declared) return declared;
  return /\.(jsonl|ndjson)(\.gz)?$/i.test(source.split("?")[0] ?? "") ? "jsonl" : "csv";
}

/** A headed CSV: cells stay strings (typed later, per declared column); empty is missing. */
export function csvTable(text: string, wanted: string[], source: string): RawTable {
  const [head, ...records] = csvRecords(text, source);
  const header = (head?.fields ?? []).map((h) => h.trim());
  if (header.every((h) => h === ""))
    throw new DataError(`${source}: the file is empty (no header row)`);
  checkColumns(header, wanted, source);
  const positions = wanted.map((c) => header.indexOf(c));
  const rows: Cell[][] = [];
  const lines: number[] = [];
  for (const { fields, line } of records) {
    if (fields.length !== header.length) {
      throw new DataError(
        `${source}: line ${line} has ${fields.length} fields, the header has ${header.length}`,
      );
    }
    rows.push(positions.map((p) => (fields[p]!.trim() === "" ? null : fields[p]!.trim())));
    lines.push(line);
  }
  return { columns: wanted, rows, lines };
}

/**
 * JSON Lines: one JSON object per line (blank lines skipped); a key a row lacks is missing.
 * @example jsonlTable('{"a":1}\n{"a":null}\n', ["a"], "d.jsonl").rows // [[1], [null]]
 */
export function jsonlTable(text: string, wanted: string[], source: string): RawTable {
  const rows: Cell[][] = [];
  const lines: number[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new DataError(`${source}: line ${i + 1}: not valid JSON (${(error as Error).message})`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new DataError(
        `${source}: line ${i + 1}: expected a JSON object, got ${raw.slice(0, 40)}`,
      );
    }
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) seen.add(k);
    rows.push(wanted.map((c) => jsonCell(record[c], i + 1, c, source)));
    lines.push(i + 1);
  });
  if (rows.length === 0) throw new DataError(`${source}: the file has no records`);
  checkColumns([...seen], wanted, source);
  return { columns: wanted, rows, lines };
}

function jsonCell(v: unknown, line: number, column: string, source: string): Cell {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  throw new DataError(
    `${source}: line ${line}, column "${column}": ${JSON.stringify(v).slice(0, 40)} is neither a number nor a string`,
  );
}

function checkColumns(found: string[], wanted: string[], source: string): void {
  const missing = wanted.filter((c) => !found.includes(c));
  if (missing.length > 0) {
    throw new DataError(
      `${source}: missing column(s) ${missing.map((c) => `"${c}"`).join(", ")}; found ${found.map((c) => `"${c}"`).join(", ")}`,
    );
  }
}
