import { DataError } from "../errors";
import { csvRecords } from "./csv-records";

/** A numeric table read from CSV: the selected columns, row-major. */
export interface NumericTable {
  columns: string[];
  rows: number;
  /** rows × columns.length, row-major. */
  values: Float64Array;
  /** The 1-based line each row starts on (a quoted field may span lines). */
  lines: Uint32Array;
}

/** Parses one cell strictly: empty cells and anything `Number()` would bend (e.g. "0x1") fail. */
function parseCell(cell: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell)) return Number.NaN;
  return Number(cell);
}

/**
 * Reads the named columns of a headed, comma-separated file as numbers, validating every cell.
 * Errors name the file, the line (1-based, the header is line 1) and the column.
 * @example readNumericCsv("a,b\n1,2\n", ["b"], "x.csv") // { columns: ["b"], rows: 1, values: [2] }
 */
export function readNumericCsv(text: string, wanted: string[], source: string): NumericTable {
  const [head, ...records] = csvRecords(text, source);
  const header = (head?.fields ?? []).map((h) => h.trim());
  if (header.every((h) => h === "")) {
    throw new DataError(`${source}: the file is empty (no header row)`);
  }
  checkHeader(header, wanted, source);
  const positions = wanted.map((c) => header.indexOf(c));
  const rows = records.length;
  const values = new Float64Array(rows * wanted.length);
  const lines = new Uint32Array(rows);
  records.forEach(({ fields, line }, r) => {
    if (fields.length !== header.length) {
      throw new DataError(
        `${source}: line ${line} has ${fields.length} fields, the header has ${header.length}`,
      );
    }
    lines[r] = line;
    positions.forEach((p, c) => {
      const raw = fields[p]!.trim();
      const v = parseCell(raw);
      if (!Number.isFinite(v)) {
        const what = raw === "" ? "is empty" : `"${raw}" is not a number`;
        throw new DataError(`${source}: line ${line}, column "${wanted[c]}": ${what}`);
      }
      values[r * wanted.length + c] = v;
    });
  });
  return { columns: wanted, rows, values, lines };
}

/** Every wanted column present, and no name twice (which copy would be meant?). */
function checkHeader(header: string[], wanted: string[], source: string): void {
  header.forEach((name, i) => {
    const first = header.indexOf(name);
    // Unnamed columns (an index column written by pandas) are never wanted, so never ambiguous.
    if (name === "" || first === i) return;
    throw new DataError(
      `${source}: the header names column "${name}" twice (columns ${first + 1} and ${i + 1})`,
    );
  });
  const missing = wanted.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new DataError(
      `${source}: missing column(s) ${missing.map((c) => `"${c}"`).join(", ")}; found ${header.map((c) => `"${c}"`).join(", ")}`,
    );
  }
}
