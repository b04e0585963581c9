import { parseArgs } from "node:util";
import type { BackendPreference, TrialConfig } from "../../spec/types";
import { initBackend, type PreparedData, resolveOptimizer, trainTrial } from "../../training";
import { bmiClassification, bmiRegression, loadBmi } from "../unit/training/fixtures";
import { fitOnce } from "./fit-baseline";

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "3" },
    backends: { type: "string", default: "tensorflow-gpu,tensorflow,wasm,cpu" },
  },
});
const TRIALS = Number(args.trials);
const mlpDs = bmiClassification;
const linDs = bmiRegression;
const mlp = (seed: number): TrialConfig => ({
  dataset: mlpDs,
  model: { type: "mlp", hidden: [128, 64], activation: "relu" },
  optimizer: resolveOptimizer({ name: "sgd", learningRate: 1e-3 }),
  epochs: 200,
  batchSize: 32,
  seed,
});
const linear = (seed: number): TrialConfig => ({
  dataset: linDs,
  model: { type: "linear", alpha: 1e-4 },
  optimizer: resolveOptimizer({ name: "sgd", learningRate: 1e-4 }),
  epochs: 200,
  batchSize: 1,
  seed,
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Median wall and CPU seconds of `n` runs of `run(i)`, after one warm-up (kernels, wasm compile). */
async function timeRuns(
  n: number,
  warmUp: () => Promise<unknown>,
  run: (i: number) => Promise<unknown>,
) {
  await warmUp();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 1; i <= n; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await run(i);
    const c = process.cpuUsage(c0);
    wall.push((performance.now() - t0) / 1000);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const timeTrials = (make: (seed: number) => TrialConfig, data: PreparedData, n: number) =>
  timeRuns(
    n,
    () => trainTrial({ trial: { ...make(0), epochs: 2 }, data }),
    (seed) => trainTrial({ trial: make(seed), data }),
  );

const rows: string[][] = [];
/** Per core = per CPU-second of this process, so a busy shared machine does not skew it. */
type Timing = { wall: number; cpu: number };
const row = (backend: string, model: string, n: number, t: Timing, baseline?: Timing) =>
  rows.push([
    backend,
    model,
    String(n),
    t.wall.toFixed(3),
    t.cpu.toFixed(3),
    (60 / t.cpu).toFixed(1),
    baseline ? `${(t.cpu / baseline.cpu).toFixed(2)}x` : "",
  ]);

const mlpData = await loadBmi(mlpDs);
const linData = await loadBmi(linDs);
const wanted = args.backends === "auto" ? ["auto"] : args.backends.split(",");
const tried = new Set<string>();
for (const pref of wanted) {
  const name = await initBackend(pref as BackendPreference).catch(() => undefined);
  if (!name || tried.has(name)) {
    if (!name) console.error(`backend ${pref}: not loadable, skipped`);
    continue;
  }
  tried.add(name);
  const fit = await timeRuns(
    TRIALS,
    () => fitOnce(mlpData, 2),
    () => fitOnce(mlpData, 200),
  );
  row(name, "baseline: tfjs model.fit, 200 ep", TRIALS, fit);
  row(name, "mlp 3-128-64-6, 200 ep", TRIALS, await timeTrials(mlp, mlpData, TRIALS), fit);
}
row("js", "linear SGDRegressor, 200 ep", TRIALS * 3, await timeTrials(linear, linData, TRIALS * 3));

const header = [
  "backend",
  "trial",
  "n",
  "median wall s",
  "median cpu s",
  "trials/min/core",
  "cpu vs model.fit",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ");
console.log([fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...rows.map(fmt)].join("\n"));
