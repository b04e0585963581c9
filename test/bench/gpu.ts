/**
 * The GPU check for a lent device, within 8 minutes: `npm run -s bench:gpu -- [--json]`.
 *
 * 1. `hypersweep backend install tensorflow-gpu` (the `and-cuda` wheels where a GPU is seen);
 * 2. `bench:training` on `tensorflow-gpu` at K up to 2048 (50 epochs, per-trial figures ×4 give
 *    a 200-epoch trial), stopping at the first K that fails (device memory);
 * 3. the four seed sweeps on a `gpu` pool (`worker --pool gpu --backend tensorflow-gpu`) on a
 *    fresh local stack, wall seconds and pack sizes.
 * Each step gets what is left of the 8 minutes; a step that does not fit is reported skipped.
 * Without an NVIDIA GPU (no /dev/nvidia0) it prints `{ skipped }` and exits 0.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { packingOf } from "../../report/overview";
import { loadSpecFile } from "../../spec/file";
import { ArtifactStore } from "../../storage/store";
import { readAllTrials } from "../../storage/trials";
import { BIN, benchStack } from "./support/bench-stack";

const exec = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    offset: { type: "string", default: "100" },
    packs: { type: "string", default: "1,128,512,2048" },
  },
});
const DEADLINE = Date.now() + 8 * 60_000;
const left = () => DEADLINE - Date.now();
const log = (l: string) => {
  if (!args.json) process.stderr.write(`${l}\n`);
};
const SPECS = ["01-linear-lr.yaml", "02-mlp-lr.yaml", "03-momentum.yaml", "04-optimizers.yaml"];
const out: Record<string, unknown> = {};

async function step(name: string, minMs: number, run: () => Promise<unknown>) {
  if (left() < minMs) {
    out[name] = { skipped: `under ${Math.round(minMs / 1000)} s of the 8 minutes left` };
    return;
  }
  const t0 = Date.now();
  try {
    out[name] = { ...((await run()) as object), seconds: (Date.now() - t0) / 1000 };
  } catch (error) {
    out[name] = { failed: (error as Error).message.slice(0, 2000) };
  }
}

/** The seed specs with `execution.pool: gpu` and an absolute dataset path, in `dir`. */
async function gpuSpecs(dir: string): Promise<string[]> {
  return Promise.all(
    SPECS.map(async (name) => {
      const { spec, dir: from } = await loadSpecFile(resolve("examples/seed", name));
      const path = resolve(from, spec.dataset.path ?? "");
      const file = join(dir, name.replace(/\.yaml$/, ".json"));
      const gpu = {
        ...spec,
        dataset: { ...spec.dataset, path },
        execution: { ...spec.execution, pool: "gpu" },
      };
      writeFileSync(file, JSON.stringify(gpu));
      return file;
    }),
  );
}

if (!existsSync("/dev/nvidia0")) {
  const skipped = { skipped: "no NVIDIA GPU on this machine (/dev/nvidia0 missing)" };
  process.stdout.write(`${JSON.stringify(skipped)}\n`);
  process.exit(0);
}
await step("install", 60_000, async () => {
  const { stdout } = await exec(process.execPath, [BIN, "backend", "install", "tensorflow-gpu"], {
    timeout: Math.max(1000, left() - 3 * 60_000),
    maxBuffer: 64 * 2 ** 20,
  });
  const status = await exec(process.execPath, [BIN, "backend", "status", "--json"]);
  return { log: stdout.split("\n").slice(-5), status: JSON.parse(status.stdout) };
});
await step("training", 60_000, async () => {
  const rows: unknown[] = [];
  for (const k of args.packs.split(",")) {
    if (left() < 150_000) break;
    const { stdout } = await exec(
      "npx",
      [
        "tsx",
        "test/bench/training.ts",
        "--json",
        "--backends",
        "tensorflow-gpu",
        "--packs",
        k,
        "--epochs",
        "50",
      ],
      { timeout: left() - 120_000, maxBuffer: 64 * 2 ** 20 },
    ).catch((e: Error) => ({
      stdout: JSON.stringify({ rows: [{ k, failed: e.message.slice(0, 500) }] }),
    }));
    const parsed = JSON.parse(stdout) as { rows: unknown[] };
    rows.push(...parsed.rows);
    if (parsed.rows.some((r) => (r as { failed?: string }).failed)) break;
  }
  return { epochs: 50, rows };
});
await step("seedSweeps", 90_000, async () => {
  const dir = mkdtempSync(join(tmpdir(), "hypersweep-gpu-"));
  const stack = await benchStack(Number(args.offset), log);
  try {
    await stack.worker("gpu", ["--backend", "tensorflow-gpu"]);
    const t0 = performance.now();
    const outs = await Promise.all(
      (await gpuSpecs(dir)).map((f) => stack.cli(["run", f, "--wait", "--json"])),
    );
    const wallS = (performance.now() - t0) / 1000;
    const store = new ArtifactStore(stack.config.s3);
    const sweeps = await Promise.all(
      outs.map(async (o) => {
        const { sweepId } = JSON.parse(o.slice(o.indexOf("{"))) as { sweepId: string };
        const trials = await readAllTrials(store, sweepId);
        return {
          sweepId,
          trials: trials.length,
          backend: [...new Set(trials.map((t) => t.backend))],
          packing: packingOf(trials),
        };
      }),
    );
    return { wallS, sweeps };
  } finally {
    await stack.down();
    rmSync(dir, { recursive: true, force: true });
  }
});
if (args.json) process.stdout.write(`${JSON.stringify(out)}\n`);
else console.log(JSON.stringify(out, null, 2));
