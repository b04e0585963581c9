import { readFile } from "node:fs/promises";
import { expect } from "vitest";
import type { DatasetConfig, EpochRecord, TrialConfig } from "../../../spec/types";
import { DataError, loadDataset, type PreparedData, resolveOptimizer } from "../../../training";

export const BMI_PATH = new URL("../../../examples/data/bmi.csv", import.meta.url);
export const readText = () => readFile(BMI_PATH, "utf8");

export const bmiClassification: DatasetConfig = {
  source: "examples/data/bmi.csv",
  features: ["Height", "Weight", "Gender"],
  target: "Index",
  task: "classification",
  split: { head: 300 },
  standardize: false,
};

export const bmiRegression: DatasetConfig = {
  ...bmiClassification,
  task: "regression",
  split: { random: { test: 0.3, seed: 42 } },
};

export const loadBmi = (cfg: DatasetConfig = bmiClassification): Promise<PreparedData> =>
  loadDataset(cfg, readText);

/** A small MLP trial on the BMI data (fast enough for unit tests). */
export function smallMlp(
  over: Partial<TrialConfig> & { opt?: Parameters<typeof resolveOptimizer>[0] },
) {
  const { opt = { name: "sgd", learningRate: 1e-3 }, ...rest } = over;
  const trial: TrialConfig = {
    dataset: bmiClassification,
    model: { type: "mlp", hidden: [16, 8], activation: "relu" },
    optimizer: resolveOptimizer(opt),
    epochs: 10,
    batchSize: 32,
    seed: 1,
    ...rest,
  };
  return trial;
}

/** Records without wall time, for exact comparisons. */
export const curves = (records: EpochRecord[]) => records.map(({ seconds: _s, ...r }) => r);

/** The message of the `DataError` that `p` rejects with (fails the test if it is none). */
export async function dataError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  return (err as Error).message;
}
