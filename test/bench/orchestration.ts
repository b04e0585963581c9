/**
 * Orchestration cost per trial: `npm run -s bench:orchestration -- [--json] [--trials 10000]
 * [--pack auto|N] [--max-parallel 8] [--offset 90]`.
 *
 * One sweep of one-epoch linear trials (learning rate x seed grid on the BMI data) through
 * `hypersweep run --wait` on a fresh local stack of its own, one worker. Prints the wall
 * milliseconds per trial beyond training itself: (sweep wall − Σ trial training seconds /
 * training processes) / trials, i.e. scheduling, heartbeats, storage and bookkeeping.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { packingOf } from "../../report/overview";
import { ArtifactStore } from "../../storage/store";
import { readAllTrials } from "../../storage/trials";
import { benchStack } from "./support/bench-stack";
import { bmiGridSpecFile } from "./support/bmi-grid";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    trials: { type: "string", default: "10000" },
    pack: { type: "string", default: "auto" },
    "max-parallel": { type: "string", default: "8" },
    offset: { type: "string", default: "90" },
  },
});
const log = (l: string) => {
  if (!args.json) process.stderr.write(`${l}\n`);
};
const TRIALS = Number(args.trials);

const dir = mkdtempSync(join(tmpdir(), "hypersweep-orch-"));
const { file, trials: planned } = bmiGridSpecFile(dir, {
  name: `orchestration-${TRIALS}`,
  trials: TRIALS,
  seeds: Math.ceil(Math.sqrt(TRIALS)),
  task: "regression",
  model: { type: "linear", alpha: 1e-4 },
  training: { epochs: 1, batchSize: 1, checkpointEvery: 1 },
  execution: {
    maxParallel: Number(args["max-parallel"]),
    pack: args.pack === "auto" ? "auto" : Number(args.pack),
  },
});
const stack = await benchStack(Number(args.offset), log);
try {
  const processes = cpus().length;
  await stack.worker("cpu", ["--backend", "wasm"]);
  log(`worker registered; ${planned} trials`);
  const t0 = performance.now();
  const out = await stack.cli(["run", file, "--wait", "--json"]);
  const wallS = (performance.now() - t0) / 1000;
  const { sweepId } = JSON.parse(out.slice(out.indexOf("{"))) as { sweepId: string };
  const trials = await readAllTrials(new ArtifactStore(stack.config.s3), sweepId);
  const trainingS = trials.reduce((s, t) => s + t.records.reduce((a, r) => a + r.seconds, 0), 0);
  const result = {
    trials: trials.length,
    wall_s: Number(wallS.toFixed(2)),
    training_s: Number(trainingS.toFixed(3)),
    processes,
    orchestration_ms_per_trial: Number(
      (((wallS - trainingS / processes) / trials.length) * 1000).toFixed(2),
    ),
    packing: packingOf(trials),
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else console.log(result);
} finally {
  await stack.down();
  rmSync(dir, { recursive: true, force: true });
}
