import { describe, expect, it } from "vitest";
import { DataError } from "../../../training";
import { readNumericCsv } from "../../../training/data/csv";
import { csvRecords } from "../../../training/data/csv-records";

const fields = (text: string) => csvRecords(text, "t.csv").map((r) => r.fields);

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return (error as Error).message;
  }
  throw new Error("expected a DataError");
}

describe("CSV records (RFC 4180)", () => {
  it("keeps commas, escaped quotes and line breaks inside quoted fields", () => {
    const text = 'name,note\r\n"Smith, J","said ""hi"""\r\n"two\r\nlines",x\r\n';
    expect(fields(text)).toEqual([
      ["name", "note"],
      ["Smith, J", 'said "hi"'],
      ["two\r\nlines", "x"],
    ]);
  });

  it("reads LF and CRLF alike, empty fields included, without a final line break", () => {
    expect(fields("a,b\n1,\r\n,2")).toEqual([
      ["a", "b"],
      ["1", ""],
      ["", "2"],
    ]);
  });

  it("numbers each record by the line it starts on", () => {
    const lines = csvRecords('a,b\n"x\ny",1\n3,4\n', "t.csv").map((r) => r.line);
    expect(lines).toEqual([1, 2, 4]);
  });

  it("ignores blank lines at the end only", () => {
    expect(fields("a\n1\n\n\n")).toEqual([["a"], ["1"]]);
    expect(fields("a\n\n1\n")).toEqual([["a"], [""], ["1"]]);
  });

  it("refuses an unclosed quote and text after a closing quote, naming the line", () => {
    expect(refusal(() => csvRecords('a,b\n1,"open\n2,3\n', "t.csv"))).toBe(
      "t.csv: line 2: a quoted field is never closed",
    );
    expect(refusal(() => csvRecords('a,b\n1,"x"y\n', "t.csv"))).toMatch(
      /^t\.csv: line 2: text after a closing quote/,
    );
  });
});

describe("readNumericCsv", () => {
  it("reads the wanted columns of a file with a quoted text column holding commas", () => {
    const text = 'id,label,x,y\n1,"Doe, Jane",0.5,1\n2,"a ""b"", c",1.5,0\n';
    const table = readNumericCsv(text, ["x", "y"], "t.csv");
    expect(table.rows).toBe(2);
    expect([...table.values]).toEqual([0.5, 1, 1.5, 0]);
  });

  it("accepts quoted numbers and names the right line after a multi-line field", () => {
    const text = 'note,x\n"one\ntwo","1"\nok,abc\n';
    expect(refusal(() => readNumericCsv(text, ["x"], "t.csv"))).toBe(
      't.csv: line 4, column "x": "abc" is not a number',
    );
    expect([...readNumericCsv('note,x\n"a\nb", "1" \n', ["x"], "t.csv").lines]).toEqual([2]);
  });

  it("refuses a duplicated column, naming both positions", () => {
    const text = "Height,Weight,Height\n1,2,3\n";
    expect(refusal(() => readNumericCsv(text, ["Weight"], "t.csv"))).toBe(
      't.csv: the header names column "Height" twice (columns 1 and 3)',
    );
  });

  it("allows unnamed columns (an index column) but not a repeated name among them", () => {
    const table = readNumericCsv(",x\n0,5\n1,6\n", ["x"], "t.csv");
    expect([...table.values]).toEqual([5, 6]);
    expect(refusal(() => readNumericCsv(",x, x\n0,5,6\n", ["x"], "t.csv"))).toMatch(
      /column "x" twice \(columns 2 and 3\)/,
    );
  });
});
