import { DataError } from "../errors";

/** One CSV record: its fields (quotes removed) and the 1-based line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * Splits CSV text into records as RFC 4180 says: fields separated by commas, records by CRLF
 * or LF; a field in double quotes may hold commas, line breaks and `""` (one quote). Lenient
 * where real files differ: spaces may surround a quoted field, a quote inside an unquoted
 * field is kept as is, and blank lines at the end are ignored.
 * @example csvRecords('a,b\n"x, y","say ""hi"""\n', "t.csv")[1].fields // ["x, y", 'say "hi"']
 */
export function csvRecords(text: string, source: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let line = 1;
  let start = 1;
  let i = 0;
  while (i <= text.length) {
    const field = readField(text, i, line, source);
    fields.push(field.value);
    line = field.line;
    i = field.end;
    if (text[i] === ",") {
      i += 1;
      continue;
    }
    records.push({ fields, line: start });
    fields = [];
    i += text.startsWith("\r\n", i) ? 2 : 1;
    line += 1;
    start = line;
  }
  while (records.length > 0 && isBlank(records[records.length - 1]!)) records.pop();
  return records;
}

const isBlank = (r: CsvRecord) => r.fields.length === 1 && r.fields[0]!.trim() === "";

interface Field {
  value: string;
  /** Index of the comma, line break or end of text after the field. */
  end: number;
  /** Line the field ends on (a quoted field may span lines). */
  line: number;
}

function readField(text: string, from: number, line: number, source: string): Field {
  let i = from;
  while (text[i] === " " || text[i] === "\t") i += 1;
  if (text[i] !== '"') return readPlain(text, from, line);
  return readQuoted(text, i + 1, line, source);
}

function readPlain(text: string, from: number, line: number): Field {
  let i = from;
  while (i < text.length && text[i] !== "," && text[i] !== "\n" && !isCrlf(text, i)) i += 1;
  return { value: text.slice(from, i), end: i, line };
}

function readQuoted(text: string, from: number, startLine: number, source: string): Field {
  let value = "";
  let line = startLine;
  let i = from;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) {
      throw new DataError(`${source}: line ${startLine}: a quoted field is never closed`);
    }
    const chunk = text.slice(i, quote);
    line += chunk.split("\n").length - 1;
    value += chunk;
    if (text[quote + 1] !== '"') {
      i = quote + 1;
      break;
    }
    value += '"';
    i = quote + 2;
  }
  while (text[i] === " " || text[i] === "\t") i += 1;
  if (i < text.length && text[i] !== "," && text[i] !== "\n" && !isCrlf(text, i)) {
    throw new DataError(
      `${source}: line ${line}: text after a closing quote (write "" for a quote inside a quoted field)`,
    );
  }
  return { value, end: i, line };
}

const isCrlf = (text: string, i: number) => text[i] === "\r" && text[i + 1] === "\n";
