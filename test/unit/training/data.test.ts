import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generateBmiCsv } from "../../../examples/data/generate-bmi";
import type { DatasetConfig } from "../../../spec/types";
import { loadDataset } from "../../../training";
import { dataError } from "./fixtures";

const BMI = new URL("../../../examples/data/bmi.csv", import.meta.url);
const readBmi = () => readFile(BMI, "utf8");

const cfg = (over: Partial<DatasetConfig> = {}): DatasetConfig => ({
  source: "t.csv",
  features: ["a", "b"],
  target: "y",
  task: "classification",
  split: { head: 2 },
  standardize: false,
  ...over,
});
const fromText = (text: string) => async () => text;

describe("loader errors", () => {
  it("names the missing columns", async () => {
    const msg = await dataError(loadDataset(cfg(), fromText("a,c,y\n1,2,0\n")));
    expect(msg).toMatch(/missing column\(s\) "b"; found "a", "c", "y"/);
  });

  it("reports a non-numeric cell with its line and column", async () => {
    const text = "a,b,y\n1,2,0\n3,x4,1\n5,6,1\n";
    const msg = await dataError(loadDataset(cfg(), fromText(text)));
    expect(msg).toMatch(/line 3, column "b": "x4" is not a number/);
  });

  it("reports an empty cell", async () => {
    const msg = await dataError(loadDataset(cfg(), fromText("a,b,y\n1,2,0\n3,4,1\n,6,1\n")));
    expect(msg).toMatch(/line 4, column "a": is empty/);
  });

  it("rejects a class label outside 0..K-1 and a fractional label", async () => {
    const text = "a,b,y\n1,2,0\n3,4,3\n5,6,1\n";
    const msg = await dataError(loadDataset(cfg({ numClasses: 3 }), fromText(text)));
    expect(msg).toMatch(/line 3, column "y": class label 3 is outside 0..2/);
    const frac = await dataError(loadDataset(cfg(), fromText("a,b,y\n1,2,0.5\n3,4,1\n5,6,1\n")));
    expect(frac).toMatch(/line 2.*not an integer/);
  });

  it("rejects files with fewer rows than the split needs", async () => {
    const text = "a,b,y\n1,2,0\n3,4,1\n";
    expect(await dataError(loadDataset(cfg(), fromText(text)))).toMatch(/needs at least 3 rows/);
    const random = cfg({ task: "regression", split: { random: { test: 0.3, seed: 1 } } });
    expect(await dataError(loadDataset(random, fromText("a,b,y\n1,2,0\n")))).toMatch(
      /at least 2 rows/,
    );
  });

  it("rejects a ragged line", async () => {
    const msg = await dataError(loadDataset(cfg(), fromText("a,b,y\n1,2,0\n3,4\n5,6,1\n")));
    expect(msg).toMatch(/line 3 has 2 fields/);
  });
});

describe("splits", () => {
  const bmi = cfg({ source: "bmi.csv", features: ["Height", "Weight", "Gender"], target: "Index" });

  it("head N: the first N rows train, the rest validate, in file order", async () => {
    const d = await loadDataset({ ...bmi, split: { head: 300 } }, readBmi);
    const rows = (await readBmi()).trim().split("\n").slice(1);
    expect([d.nTrain, d.nVal, d.numClasses]).toEqual([300, 200, 6]);
    const [g, h, w, y] = rows[300]!.split(",").map(Number);
    expect([...d.xVal.subarray(0, 3), d.yVal[0]]).toEqual([h, w, g, y]);
    const [g0, h0, w0] = rows[0]!.split(",").map(Number);
    expect([...d.xTrain.subarray(0, 3)]).toEqual([h0, w0, g0]);
  });

  it("random: ceil(test·n) validation rows, disjoint, seeded", async () => {
    const split = { random: { test: 0.3, seed: 42 } };
    const a = await loadDataset({ ...bmi, task: "regression", split }, readBmi);
    const b = await loadDataset({ ...bmi, task: "regression", split }, readBmi);
    const c = await loadDataset(
      { ...bmi, task: "regression", split: { random: { test: 0.3, seed: 7 } } },
      readBmi,
    );
    expect([a.nTrain, a.nVal]).toEqual([350, 150]);
    expect(a.xTrain).toEqual(b.xTrain);
    expect(a.xTrain).not.toEqual(c.xTrain);
    const key = (x: Float64Array, i: number) => `${x[3 * i]},${x[3 * i + 1]},${x[3 * i + 2]}`;
    const all = [
      ...Array.from({ length: 350 }, (_, i) => key(a.xTrain, i)),
      ...Array.from({ length: 150 }, (_, i) => key(a.xVal, i)),
    ].sort();
    const file = (await readBmi())
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => {
        const [g, h, w] = l.split(",");
        return `${h},${w},${g}`;
      });
    expect(all).toEqual(file.sort());
  });

  it("standardises with statistics of the training part only", async () => {
    const text = "a,b,y\n1,10,0\n3,10,1\n100,7,1\n";
    const d = await loadDataset(cfg({ standardize: true }), fromText(text));
    expect(d.scaler).toEqual({ mean: [2, 10], std: [1, 1] });
    expect([...d.xTrain]).toEqual([-1, 0, 1, 0]);
    expect([...d.xVal]).toEqual([98, -3]);
  });
});

describe("shipped data", () => {
  it("bmi.csv is what the seeded generator writes", async () => {
    expect(await readBmi()).toBe(generateBmiCsv());
  });

  it("bmi.csv follows the seed's rules", async () => {
    const rows = (await readBmi())
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(",").map(Number));
    expect(rows).toHaveLength(500);
    for (const [g, h, w, k] of rows) {
      expect([0, 1]).toContain(g);
      expect(h! >= 140 && h! <= 199 && w! >= 50 && w! <= 160).toBe(true);
      const bmi = w! / (h! / 100) ** 2;
      const expected =
        bmi < 16 ? 0 : bmi < 18.5 ? 1 : bmi < 25 ? 2 : bmi < 30 ? 3 : bmi < 40 ? 4 : 5;
      expect(k).toBe(expected);
    }
    const share5 = rows.filter((r) => r[3] === 5).length / 500;
    expect(share5).toBeGreaterThan(0.3);
    expect(share5).toBeLessThan(0.5);
  });

  it("iris: is built in (150 rows, 3 classes) and never reaches readText", async () => {
    const features = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
    const d = await loadDataset(
      cfg({
        source: "iris:",
        features,
        target: "species",
        split: { random: { test: 0.2, seed: 1 } },
      }),
      () => Promise.reject(new Error("readText must not be called")),
    );
    expect([d.nTrain, d.nVal, d.numClasses, d.nFeatures]).toEqual([120, 30, 3, 4]);
  });
});
