import { beforeAll, describe, expect, it } from "vitest";
import type { EpochRecord, TrialConfig } from "../../spec/types";
import {
  initBackend,
  type PreparedData,
  resolveOptimizer,
  type TrainResult,
  trainTrial,
} from "../../training";
import { bmiClassification, bmiRegression, loadBmi } from "../unit/training/fixtures";

const SEEDS = [1, 2, 3];
const MLP_DATA = bmiClassification;
const LINEAR_DATA = bmiRegression;

type Opt = Parameters<typeof resolveOptimizer>[0];
const mlpTrial = (opt: Opt, seed: number): TrialConfig => ({
  dataset: MLP_DATA,
  model: { type: "mlp", hidden: [128, 64], activation: "relu" },
  optimizer: resolveOptimizer(opt),
  epochs: 200,
  batchSize: 32,
  seed,
});

const MLP_SETTINGS: Record<string, Opt> = {
  "sgd lr=1": { name: "sgd", learningRate: 1 },
  "sgd lr=1e-3": { name: "sgd", learningRate: 1e-3 },
  "sgd lr=1e-6": { name: "sgd", learningRate: 1e-6 },
  "sgd lr=1e-7": { name: "sgd", learningRate: 1e-7 },
  "sgd lr=1e-3 m=0.9": { name: "sgd", learningRate: 1e-3, momentum: 0.9 },
  adam: { name: "adam" },
  adamax: { name: "adamax" },
};

const runs = new Map<string, TrainResult[]>();
let mlpData: PreparedData;
const linearRuns: TrainResult[] = [];

const val = (r: TrainResult) => r.records.map((x: EpochRecord) => x.valMetric);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const finalVal = (label: string) => runs.get(label)!.map((r) => val(r).at(-1)!);
/** First epoch (1-based) whose validation accuracy reaches 95% of the run's best. */
const epochsTo95 = (r: TrainResult) => {
  const v = val(r);
  const best = Math.max(...v);
  return v.findIndex((x) => x >= 0.95 * best) + 1;
};

beforeAll(async () => {
  await initBackend("wasm");
  mlpData = await loadBmi(MLP_DATA);
  for (const [label, opt] of Object.entries(MLP_SETTINGS)) {
    const results: TrainResult[] = [];
    for (const seed of SEEDS)
      results.push(await trainTrial({ trial: mlpTrial(opt, seed), data: mlpData }));
    runs.set(label, results);
    console.log(
      `${label}: final val acc ${finalVal(label).map((x) => x.toFixed(3))}, best ${results.map((r) => Math.max(...val(r)).toFixed(3))}, epochs to 95% ${results.map(epochsTo95)}, status ${results.map((r) => r.status)}`,
    );
  }
  const linData = await loadBmi(LINEAR_DATA);
  for (const lr of [0.0001, 0.001, 0.01, 0.1, 0.2, 0.5, 0.8, 1]) {
    for (const seed of SEEDS) {
      const optimizer = resolveOptimizer({ name: "sgd", learningRate: lr });
      const trial: TrialConfig = {
        dataset: LINEAR_DATA,
        model: { type: "linear", alpha: 1e-4 },
        optimizer,
        epochs: 200,
        batchSize: 1,
        seed,
      };
      linearRuns.push(await trainTrial({ trial, data: linData }));
    }
  }
}, 900_000);

describe("seed experiments reproduce the tutorial's findings", () => {
  it("exp 1: with unscaled features every rate in the grid blows up (diverged, or train MSE > 1e6)", () => {
    for (const r of linearRuns) {
      expect(r.status === "diverged" || r.records.at(-1)!.trainLoss > 1e6).toBe(true);
    }
  });

  it("exp 2: lr 1e-3 reaches ≥ 0.6 mean validation accuracy", () => {
    expect(mean(finalVal("sgd lr=1e-3"))).toBeGreaterThanOrEqual(0.6);
  });

  // Known deviation, not tuned away: on the unscaled features the gradients are large enough that
  // lr 1e-6 still climbs from ~0.15 to ~0.58 validation accuracy in 200 epochs (1e-7: ~0.15 to
  // ~0.36, 3 seeds, wasm). `it.fails` keeps the tutorial's claim visible and flags it if it ever holds.
  it.fails("exp 2: lr ≤ 1e-6 learns next to nothing (final within 0.1 of epoch 1)", () => {
    for (const label of ["sgd lr=1e-6", "sgd lr=1e-7"]) {
      for (const r of runs.get(label)!)
        expect(Math.abs(val(r).at(-1)! - val(r)[0]!)).toBeLessThanOrEqual(0.1);
    }
  });

  it("exp 2: lr 1 diverges or collapses to predicting one class", () => {
    const counts = new Map<number, number>();
    for (const y of mlpData.yVal) counts.set(y, (counts.get(y) ?? 0) + 1);
    const shares = [...counts.values()].map((c) => c / mlpData.nVal);
    for (const r of runs.get("sgd lr=1")!) {
      const collapsed = shares.some((s) => Math.abs(s - val(r).at(-1)!) < 1e-6);
      expect(r.status === "diverged" || collapsed).toBe(true);
    }
  });

  it("exp 3: momentum 0.9 reaches 95% of its best validation accuracy earlier than momentum 0", () => {
    const m0 = mean(runs.get("sgd lr=1e-3")!.map(epochsTo95));
    const m9 = mean(runs.get("sgd lr=1e-3 m=0.9")!.map(epochsTo95));
    expect(m9).toBeLessThan(m0);
  });

  it("exp 4: adam and adamax end within 0.05 of each other", () => {
    expect(Math.abs(mean(finalVal("adam")) - mean(finalVal("adamax")))).toBeLessThanOrEqual(0.05);
  });
});
