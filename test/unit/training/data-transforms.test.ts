import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseSpec } from "../../../spec";
import { SpecError } from "../../../spec/errors";
import type { DatasetConfig } from "../../../spec/types";
import { loadDataset } from "../../../training";
import { rawSpec } from "../spec/fixtures";
import { dataError } from "./fixtures";

const cfg = (over: Partial<DatasetConfig> = {}): DatasetConfig => ({
  source: "t.jsonl",
  features: ["size", "colour"],
  target: "y",
  task: "regression",
  split: { head: 3 },
  standardize: false,
  ...over,
});
const load = (text: string, over: Partial<DatasetConfig> = {}) =>
  loadDataset(cfg(over), async () => text);
const jsonl = (...rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n");

const FOUR = jsonl(
  { size: 1, colour: "red", y: 10 },
  { size: 3, colour: "blue", y: 20 },
  { size: 5, colour: "red", y: 30 },
  { size: 100, colour: "blue", y: 1000 },
);

describe("declared data transforms", () => {
  it("one-hot encodes with categories from the training rows, named column=value", async () => {
    const data = await load(FOUR, { categorical: { colour: "onehot" } });
    expect(data.featureNames).toEqual(["size", "colour=blue", "colour=red"]);
    expect([...data.xTrain]).toEqual([1, 0, 1, 3, 1, 0, 5, 0, 1]);
    expect([...data.xVal]).toEqual([100, 1, 0]);
    const index = await load(FOUR, { categorical: { colour: "index" } });
    expect(index.featureNames).toEqual(["size", "colour"]);
    expect([...index.xTrain]).toEqual([1, 1, 3, 0, 5, 1]);
  });

  it("fits the feature and target scalers on the training split only (the test split never leaks)", async () => {
    const data = await load(FOUR, {
      categorical: { colour: "onehot" },
      standardize: true,
      standardizeTarget: true,
    });
    // Training sizes 1, 3, 5: mean 3, population std sqrt(8/3); the validation 100 is not in it.
    const std = Math.sqrt(8 / 3);
    expect(data.scaler?.mean).toEqual([3, 0, 0]);
    expect(data.scaler?.std[0]).toBeCloseTo(std, 12);
    expect(data.scaler?.std.slice(1)).toEqual([1, 1]); // one-hot columns stay 0/1
    expect(data.xVal[0]).toBeCloseTo((100 - 3) / std, 12);
    expect(data.targetScaler?.mean).toBe(20);
    expect(data.yVal[0]).toBeCloseTo((1000 - 20) / data.targetScaler!.std, 12);
    // Changing only the validation row leaves every fitted number as it was.
    const other = await load(FOUR.replace('"size":100', '"size":-7').replace("1000", "-5"), {
      categorical: { colour: "onehot" },
      standardize: true,
      standardizeTarget: true,
    });
    expect(other.scaler).toEqual(data.scaler);
    expect(other.targetScaler).toEqual(data.targetScaler);
    expect([...other.xTrain]).toEqual([...data.xTrain]);
  });

  it("drops or fills missing cells as declared, else names the line and column", async () => {
    const text = jsonl(
      { size: 1, colour: "red", y: 10 },
      { size: null, colour: "blue", y: 20 },
      { colour: "red", y: 30 },
      { size: 2, y: 40 },
      { size: 4, colour: "red" },
      { size: 5, colour: "red", y: 50 },
    );
    const data = await load(text, {
      categorical: { colour: "index" },
      missing: { size: { fill: 0 }, colour: { fill: "red" }, y: "drop" },
    });
    expect(data.nTrain + data.nVal).toBe(5);
    expect([...data.xTrain]).toEqual([1, 1, 0, 0, 0, 1]);
    const dropped = await load(text, {
      categorical: { colour: "index" },
      missing: { size: "drop", colour: "drop", y: "drop" },
      split: { head: 1 },
    });
    // Rows 1 and 6 are all that is left, both red (a category only the validation row had
    // would be an error: categories come from the training rows).
    expect(dropped.nTrain + dropped.nVal).toBe(2);
    expect([...dropped.xTrain, ...dropped.xVal]).toEqual([1, 0, 5, 0]);
    expect(await dataError(load(text, { categorical: { colour: "index" } }))).toBe(
      't.jsonl: line 2, column "size": is empty (declare dataset.missing.size: drop, or {fill: value})',
    );
  });

  it("names the file, line, column and value of every bad input", async () => {
    const unseen = FOUR.replace('"colour":"blue","y":1000', '"colour":"green","y":1000');
    expect(await dataError(load(unseen, { categorical: { colour: "onehot" } }))).toBe(
      't.jsonl: line 4, column "colour": category "green" is not in the training split ("blue", "red")',
    );
    expect(await dataError(load(FOUR))).toBe(
      't.jsonl: line 1, column "colour": "red" is not a number (declare it under dataset.categorical)',
    );
    expect(
      await dataError(load(`${FOUR}\n{"size": 2,`, { categorical: { colour: "index" } })),
    ).toMatch(/^t\.jsonl: line 5: not valid JSON/);
    expect(await dataError(load("[1,2]\n", {}))).toBe(
      "t.jsonl: line 1: expected a JSON object, got [1,2]",
    );
    expect(await dataError(load(FOUR, { features: ["size", "weight"] }))).toMatch(
      /^t\.jsonl: missing column\(s\) "weight"; found "size", "colour", "y"/,
    );
  });

  it("reads a CSV with categories and missing cells the same way", async () => {
    const csv = "size,colour,y\n1,red,10\n,blue,20\n5,red,30\n100,blue,1000\n";
    const data = await load(csv, {
      source: "t.csv",
      categorical: { colour: "onehot" },
      missing: { size: { fill: 3 } },
    });
    expect([...data.xTrain]).toEqual([1, 0, 1, 3, 1, 0, 5, 0, 1]);
  });

  it("leaves a plain numeric CSV to the original reader (seed curves and ids unchanged)", async () => {
    const bmi = await readFile(new URL("../../../examples/data/bmi.csv", import.meta.url), "utf8");
    const plain = {
      source: "bmi.csv",
      features: ["Height", "Weight", "Gender"],
      target: "Index",
      split: { random: { test: 0.3, seed: 42 } },
      standardize: true,
    };
    const a = await load(bmi, plain);
    // The declared path on the same numbers gives the same matrices.
    const b = await load(bmi, { ...plain, missing: {} });
    expect([...b.xTrain]).toEqual([...a.xTrain]);
    expect([...b.yVal]).toEqual([...a.yVal]);
    expect(b.scaler).toEqual(a.scaler);
  });
});

describe("spec keys for data", () => {
  const withDataset = (over: Record<string, unknown>) => {
    const raw = rawSpec();
    raw.dataset = { ...raw.dataset, ...over };
    return () => parseSpec(raw);
  };

  it("checks declarations against the features and the task, naming the path", () => {
    expect(withDataset({ categorical: { Colour: "onehot" } })).toThrow(SpecError);
    expect(withDataset({ categorical: { Colour: "onehot" } })).toThrow(
      /dataset\.categorical\.Colour.*"Colour" is not one of the features/,
    );
    expect(withDataset({ missing: { Nope: "drop" } })).toThrow(
      /dataset\.missing\.Nope.*neither a feature nor the target/,
    );
    expect(withDataset({ categorical: { Height: "hot" } })).toThrow(/dataset\.categorical\.Height/);
    expect(withDataset({ url: "ftp://x/y.csv", path: undefined })).toThrow(/dataset\.url/);
    expect(withDataset({ url: "https://x/y.csv" })).toThrow(/exactly one of path/);
  });
});
