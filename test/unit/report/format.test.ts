import { describe, expect, it } from "vitest";
import { escapeHtml, formatDuration, formatNumber, formatParam } from "../../../report/format";
import { chooseGroupBy, gridShape } from "../../../report/model";

describe("report formatting", () => {
  it("formats numbers compactly and non-finite values visibly", () => {
    expect(formatNumber(0.86531)).toBe("0.8653");
    expect(formatNumber(0.0000123)).toBe("1.23e-5");
    expect(formatNumber(283.7)).toBe("283.7");
    expect(formatNumber(Number.NaN)).toBe("NaN");
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe("∞");
    expect(formatNumber(undefined)).toBe("—");
  });

  it("writes params as a user would", () => {
    expect([1e-7, 1e-5, 0.001, 0.1, 1, "adam", true].map(formatParam)).toEqual([
      "1e-7",
      "1e-5",
      "0.001",
      "0.1",
      "1",
      "adam",
      "true",
    ]);
  });

  it("formats wall time and escapes HTML", () => {
    expect(formatDuration(42.14)).toBe("42.1 s");
    expect(formatDuration(2833)).toBe("47 min 13 s");
    expect(formatDuration(7325)).toBe("2 h 02 min");
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
  });
});

describe("report layout", () => {
  it("fits small multiples: 4×2 for eight, 2×2 for four", () => {
    expect(gridShape(8)).toEqual({ rows: 4, cols: 2 });
    expect(gridShape(4)).toEqual({ rows: 2, cols: 2 });
    expect(gridShape(3)).toEqual({ rows: 1, cols: 3 });
    expect(gridShape(12)).toEqual({ rows: 3, cols: 4 });
  });

  it("groups by the varying param with most values, never the seed", () => {
    const trials = [0.1, 0.01, 0.001].flatMap((lr) =>
      [0, 0.9].flatMap((m) => [1, 2, 3, 4].map((seed) => ({ params: { lr, m, seed } }))),
    );
    expect(chooseGroupBy(trials)).toBe("lr");
    expect(chooseGroupBy(trials, "m")).toBe("m");
    expect(
      chooseGroupBy(trials.filter((t) => t.params.lr === 0.1 && t.params.m === 0)),
    ).toBeUndefined();
  });
});
