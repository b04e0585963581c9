import { DataError } from "../errors";

/** A numeric table read from CSV: the selected columns, row-major. */
export interface NumericTable {
  columns: string[];
  rows: number;
  /** rows × columns.length, row-major. */
  values: Float64Array;
}

const unquote = (cell: string): string => {
  const t = cell.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
};

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
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  const header = (lines[0] ?? "").split(",").map(unquote);
  if (lines.length === 0 || header.every((h) => h === "")) {
    throw new DataError(`${source}: the file is empty (no header row)`);
  }
  const missing = wanted.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new DataError(
      `${source}: missing column(s) ${missing.map((c) => `"${c}"`).join(", ")}; found ${header.map((c) => `"${c}"`).join(", ")}`,
    );
  }
  const positions = wanted.map((c) => header.indexOf(c));
  const rows = lines.length - 1;
  const values = new Float64Array(rows * wanted.length);
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1]!.split(",");
    if (cells.length !== header.length) {
      throw new DataError(
        `${source}: line ${r + 2} has ${cells.length} fields, the header has ${header.length}`,
      );
    }
    positions.forEach((p, c) => {
      const raw = unquote(cells[p]!);
      const v = parseCell(raw);
      if (!Number.isFinite(v)) {
        const what = raw === "" ? "is empty" : `"${raw}" is not a number`;
        throw new DataError(`${source}: line ${r + 2}, column "${wanted[c]}": ${what}`);
      }
      values[r * wanted.length + c] = v;
    });
  }
  return { columns: wanted, rows, values };
}
