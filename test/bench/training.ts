/**
 * Training throughput per backend and pack size: `npm run -s bench:training -- [--json]
 * [--backends tensorflow-gpu,tensorflow,wasm] [--packs 1,8,32,128] [--epochs 200] [--baseline]`.
 * Each backend runs in its own child process (one native TensorFlow per process). Per pack size
 * K, a pack of K seed MLP trials (3-128-64-6 relu, SGD lr 1e-3, batch 32, BMI first 300) is
 * trained; per-trial CPU/wall = the pack's / K, median over runs (3 runs at K=1, else 1).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import type { BackendPreference, TrialConfig } from "../../spec/types";
import {
  initBackend,
  type PreparedData,
  resolveOptimizer,
  trainPack,
  trainTrial,
} from "../../training";
import { bmiClassification, bmiRegression, loadBmi } from "../unit/training/fixtures";
import { fitOnce } from "./fit-baseline";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    backends: { type: "string", default: "tensorflow-gpu,tensorflow,wasm" },
    packs: { type: "string", default: "1,8,32,128" },
    epochs: { type: "string", default: "200" },
    baseline: { type: "boolean", default: false },
    child: { type: "string" },
  },
});
const EPOCHS = Number(args.epochs);
const PACKS = args.packs.split(",").map(Number);

const mlp = (seed: number, epochs = EPOCHS): TrialConfig => ({
  dataset: bmiClassification,
  model: { type: "mlp", hidden: [128, 64], activation: "relu" },
  optimizer: resolveOptimizer({ name: "sgd", learningRate: 1e-3 }),
  epochs,
  batchSize: 32,
  seed,
});
const linear = (seed: number): TrialConfig => ({
  dataset: bmiRegression,
  model: { type: "linear", alpha: 1e-4 },
  optimizer: resolveOptimizer({ name: "sgd", learningRate: 1e-4 }),
  epochs: EPOCHS,
  batchSize: 1,
  seed,
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Median wall and CPU seconds of `runs` calls of `run`, each divided by `per`. */
async function time(runs: number, per: number, run: (i: number) => Promise<unknown>) {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await run(i);
    const c = process.cpuUsage(c0);
    wall.push((performance.now() - t0) / 1000 / per);
    cpu.push((c.user + c.system) / 1e6 / per);
  }
  const [w, c] = [median(wall), median(cpu)];
  // Per core = per CPU-second of this process, so a busy shared machine does not skew it.
  return { wallS: +w.toFixed(4), cpuS: +c.toFixed(4), trialsPerMinPerCore: +(60 / c).toFixed(1) };
}

type Row = { backend: string; trial: string; k: number; runs: number } & Awaited<
  ReturnType<typeof time>
>;

/** One backend, in this (child) process: a JSON line of rows on stdout. */
async function child(pref: string): Promise<void> {
  const name = await initBackend(pref as BackendPreference, () => {});
  const data: PreparedData = await loadBmi(bmiClassification);
  await trainTrial({ trial: mlp(0, 2), data }); // warm-up: kernels, wasm compile
  const rows: Row[] = [];
  const trial = `mlp 3-128-64-6, ${EPOCHS} ep`;
  if (args.baseline) {
    await fitOnce(data, 2);
    rows.push({
      backend: name,
      trial: "baseline: tfjs model.fit",
      k: 1,
      runs: 3,
      ...(await time(3, 1, () => fitOnce(data, EPOCHS))),
    });
  }
  for (const k of PACKS) {
    const runs = k === 1 ? 3 : 1;
    const trials = (i: number) => Array.from({ length: k }, (_, j) => mlp(1 + i * k + j));
    const t = await time(runs, k, (i) =>
      k === 1 ? trainTrial({ trial: mlp(1 + i), data }) : trainPack({ trials: trials(i), data }),
    );
    rows.push({ backend: name, trial, k, runs, ...t });
  }
  if (pref === "wasm") {
    const lin = await loadBmi(bmiRegression);
    rows.push({
      backend: "js",
      trial: `linear SGDRegressor, ${EPOCHS} ep`,
      k: 1,
      runs: 9,
      ...(await time(9, 1, (i) => trainTrial({ trial: linear(i), data: lin }))),
    });
  }
  process.stdout.write(`${JSON.stringify(rows)}\n`);
}

async function main(): Promise<void> {
  const exec = promisify(execFile);
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = [];
  const skipped: Record<string, string> = {};
  const pass = process.argv.slice(2).filter((a) => a !== "--json");
  for (const b of args.backends.split(",")) {
    if (b === "tensorflow-gpu" && !existsSync("/dev/nvidia0")) {
      skipped[b] = "no NVIDIA GPU visible";
      continue;
    }
    try {
      const { stdout } = await exec(
        process.execPath,
        ["--import", "tsx", self, ...pass, "--child", b],
        {
          maxBuffer: 1 << 24,
          env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" },
        },
      );
      rows.push(...(JSON.parse(stdout.trim().split("\n").pop()!) as Row[]));
    } catch (e) {
      skipped[b] = String((e as { stderr?: string }).stderr ?? e)
        .trim()
        .split("\n")
        .slice(-1)[0]!;
    }
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ epochs: EPOCHS, rows, skipped })}\n`);
    return;
  }
  const header = [
    "backend",
    "trial",
    "K",
    "runs",
    "wall s/trial",
    "cpu s/trial",
    "trials/min/core",
  ];
  const cells = rows.map((r) => [
    r.backend,
    r.trial,
    String(r.k),
    String(r.runs),
    String(r.wallS),
    String(r.cpuS),
    String(r.trialsPerMinPerCore),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log([fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...cells.map(fmt)].join("\n"));
  for (const [b, why] of Object.entries(skipped)) console.error(`backend ${b}: skipped (${why})`);
}

await (args.child ? child(args.child) : main());
