/**
 * The four seed experiments (3 seeds each, 72 trials) end to end, against the tutorial's own
 * Python: `npm run -s bench:seed -- [--json] [--offset 80] [--backend auto] [--python-sample N]
 * [--no-python]`.
 *
 * hypersweep: a fresh local stack of its own (ports + offset), one worker (`--backend auto`,
 * one training process per core), the four specs started at once with `hypersweep run --wait`;
 * hypersweep_s is the wall time from the first start to the last result. Python: a venv under
 * `$HYPERSWEEP_CACHE_DIR/bench-python` (scikit-learn, tensorflow-cpu from PyPI, created once)
 * runs `seed_tutorial.py` (SGDRegressor partial_fit loop, Keras model.fit), one process, one
 * experiment after another, as the tutorial does. `--python-sample N` trains the first N trials
 * of each experiment and scales its time to the full 72 (`python_scaled: true`).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { packingOf } from "../../report/overview";
import { ArtifactStore } from "../../storage/store";
import { readAllTrials } from "../../storage/trials";
import { benchStack } from "./support/bench-stack";

const exec = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    offset: { type: "string", default: "80" },
    backend: { type: "string", default: "auto" },
    "python-sample": { type: "string" },
    "no-python": { type: "boolean", default: false },
  },
});
const SPECS = ["01-linear-lr.yaml", "02-mlp-lr.yaml", "03-momentum.yaml", "04-optimizers.yaml"];
const log = (l: string) => {
  if (!args.json) process.stderr.write(`${l}\n`);
};
const PIP = ["scikit-learn==1.9.1", "tensorflow-cpu==2.21.0"];

async function hypersweep() {
  const stack = await benchStack(Number(args.offset), log);
  try {
    await stack.worker("cpu", ["--backend", args.backend]);
    log("worker registered; starting the four sweeps");
    const t0 = performance.now();
    const outs = await Promise.all(
      SPECS.map((s) => stack.cli(["run", resolve("examples/seed", s), "--wait", "--json"])),
    );
    const seconds = (performance.now() - t0) / 1000;
    const ids = outs.map(
      (o) => (JSON.parse(o.slice(o.indexOf("{"))) as { sweepId: string }).sweepId,
    );
    const store = new ArtifactStore(stack.config.s3);
    const trials = (await Promise.all(ids.map((id) => readAllTrials(store, id)))).flat();
    const perSweep = await Promise.all(
      ids.map(async (id) => ({ sweep: id, packing: packingOf(await readAllTrials(store, id)) })),
    );
    return {
      seconds,
      trials: trials.length,
      backends: [...new Set(trials.map((t) => t.backend))],
      packing: perSweep,
    };
  } finally {
    await stack.down();
  }
}

/** The tutorial's venv, created once from PyPI (the backend install's wheels reused). */
async function venv(): Promise<string> {
  const cache = process.env.HYPERSWEEP_CACHE_DIR ?? join(homedir(), ".cache", "hypersweep");
  const dir = join(cache, "bench-python");
  const python = join(dir, "bin", "python");
  if (existsSync(join(dir, ".ready"))) return python;
  log(`creating ${dir} (${PIP.join(", ")})`);
  await exec("python3", ["-m", "venv", dir]);
  const wheels = join(cache, "backends", "wheels");
  const links = existsSync(wheels) ? ["--find-links", wheels] : [];
  await exec(python, ["-m", "pip", "install", "-q", ...links, ...PIP], {
    maxBuffer: 64 * 2 ** 20,
  });
  await exec("touch", [join(dir, ".ready")]);
  return python;
}

async function python() {
  if (args["no-python"]) return { skipped: "--no-python" };
  let py: string;
  try {
    py = await venv();
  } catch (error) {
    return { skipped: `no Python venv (PyPI unreachable?): ${(error as Error).message}` };
  }
  const sample = args["python-sample"];
  const t0 = performance.now();
  // A failing Python side must not lose the hypersweep figure measured before it.
  const run = await exec(
    py,
    [
      resolve("test/bench/seed_tutorial.py"),
      "--data",
      resolve("examples/data/bmi.csv"),
      ...(sample ? ["--sample", sample] : []),
    ],
    { maxBuffer: 64 * 2 ** 20 },
  ).catch((error: Error) => ({ error }));
  if ("error" in run) return { failed: run.error.message.split("\n").slice(-3).join(" ") };
  const { stdout } = run;
  const wall = (performance.now() - t0) / 1000;
  const parts = JSON.parse(stdout) as Record<string, { trials: number; wallS: number }>;
  const full: Record<string, number> = {
    "linear-lr": 24,
    "mlp-lr": 24,
    momentum: 12,
    optimizers: 12,
  };
  // Scaled per experiment: each trial of an experiment costs about the same.
  const seconds = Object.entries(parts).reduce(
    (s, [name, p]) => s + (p.wallS * (full[name] ?? p.trials)) / Math.max(1, p.trials),
    0,
  );
  return { seconds, processWallS: wall, scaled: sample !== undefined, parts };
}

const ours = await hypersweep();
log(`hypersweep: ${ours.seconds.toFixed(1)} s for ${ours.trials} trials`);
const theirs: { seconds?: number; scaled?: boolean } & Record<string, unknown> = await python();
const result = {
  hypersweep_s: Number(ours.seconds.toFixed(2)),
  python_s: theirs.seconds === undefined ? null : Number(theirs.seconds.toFixed(2)),
  ratio: theirs.seconds === undefined ? null : Number((theirs.seconds / ours.seconds).toFixed(2)),
  python_scaled: theirs.scaled,
  trials: ours.trials,
  backend: ours.backends,
  pack_sizes: ours.packing,
  python: theirs,
};
if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else console.log(result);
