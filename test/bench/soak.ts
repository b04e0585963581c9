/**
 * Soak benchmark: many tiny trials in long-lived training processes, printing each process's
 * resident memory (RSS) every `--every` trials, then the growth after warm-up (the first report).
 *
 * - Default: the training engine alone, `--processes` forked processes calling `trainTrial`.
 *   `--recycle-after-trials N` restarts a process after N trials, as `worker
 *   --recycle-after-trials` does, to show the bound.
 * - `--worker`: the whole path, as a user runs it. A fresh local stack of its own (ports +
 *   `--offset`, default 70), one `hypersweep worker` (one training process per core, each with
 *   its Temporal worker, S3 client, metrics server and registry entry) and one sweep of
 *   `--trials` tiny solo trials through `hypersweep run --wait`; each training process's RSS is
 *   read from /proc by the pid it registered, against the trials it finished (its
 *   `hypersweep_trials_finished_total`). Extra worker flags after `--worker-args`, e.g.
 *   `--worker-args=--recycle-rss-mb=600`.
 *
 * Run: `npm run -s bench:soak -- --trials 2000` or `npm run -s bench:soak -- --worker`.
 */
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import type { BackendPreference } from "../../spec/types";
import { ArtifactStore } from "../../storage/store";
import { initBackend, trainTrial } from "../../training";
import { listLiveWorkers } from "../../workers/registry";
import { loadBmi, smallMlp } from "../unit/training/fixtures";
import { benchStack } from "./support/bench-stack";
import { bmiGridSpecFile } from "./support/bmi-grid";

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "10000" },
    processes: { type: "string", default: "2" },
    every: { type: "string", default: "1000" },
    backend: { type: "string", default: "auto" },
    "recycle-after-trials": { type: "string" },
    child: { type: "string" },
    worker: { type: "boolean", default: false },
    "worker-args": { type: "string", default: "" },
    offset: { type: "string", default: "70" },
  },
});

interface Report {
  trials: number;
  rssMb: number;
  heapMb: number;
  tensors: number;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** One training process: trains `count` tiny trials, reporting every `every`. */
async function child(count: number, every: number, offset: number): Promise<void> {
  await initBackend(args.backend as BackendPreference);
  const data = await loadBmi();
  for (let i = 1; i <= count; i++) {
    await trainTrial({ trial: smallMlp({ epochs: 2, seed: offset + i }), data });
    if ((offset + i) % every === 0) {
      // Collected first, so the heap figure is live objects, not garbage awaiting a GC.
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      const report: Report = {
        trials: offset + i,
        rssMb: mb(m.rss),
        heapMb: mb(m.heapUsed),
        tensors: tf.memory().numTensors,
      };
      process.send?.(report);
    }
  }
}

function runProcess(index: number, from: number, count: number, every: number) {
  return new Promise<void>((resolve, reject) => {
    const argv = ["--child", `${from},${count}`, "--every", String(every)];
    const p = fork(process.argv[1] ?? "", [...argv, "--backend", args.backend], {
      execArgv: [...process.execArgv, "--expose-gc"],
    });
    p.on("message", (r: Report) => {
      const row = [r.trials, index, p.pid, r.rssMb, r.heapMb, r.tensors];
      console.log(row.map(String).join("\t"));
      rss[index] = [...(rss[index] ?? []), r.rssMb];
    });
    p.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
}

const rss: number[][] = [];

async function parent(): Promise<void> {
  const total = Number(args.trials);
  const every = Number(args.every);
  const processes = Number(args.processes);
  const recycle = args["recycle-after-trials"] ? Number(args["recycle-after-trials"]) : total;
  const perProcess = Math.ceil(total / processes);
  console.log(`# ${total} trials (2-epoch MLP 16-8), ${processes} processes, recycle ${recycle}`);
  console.log(["trials", "process", "pid", "rss_MB", "heap_MB", "tensors"].join("\t"));
  await Promise.all(
    Array.from({ length: processes }, async (_, index) => {
      // A recycled process is a fresh one picking up the count where the old one left it.
      for (let done = 0; done < perProcess; done += recycle) {
        await runProcess(index, done, Math.min(recycle, perProcess - done), every);
      }
    }),
  );
  // The first report is the warm-up (kernels compiled, allocator primed).
  growthLines(new Map(rss.map((series, index) => [`process ${index}`, series])));
}

/** Growth after warm-up per process, from its reports (the first one is the warm-up). */
function growthLines(series: Map<string, number[]>): void {
  for (const [name, mbs] of series) {
    const [warm, last] = [mbs[0], mbs.at(-1)];
    if (warm === undefined || last === undefined) continue;
    const growth = (((last - warm) / warm) * 100).toFixed(1);
    console.log(`# ${name}: ${warm} MB after warm-up, ${last} MB at end (${growth} %)`);
  }
}

/** RSS of a live pid from /proc, in MB (undefined once it is gone). */
function rssOf(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
    return line ? Math.round(Number(line[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Trials a training process finished, summed over its `hypersweep_trials_finished_total` series. */
async function finishedBy(metricsUrl: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    let total = 0;
    for (const m of text.matchAll(/^hypersweep_trials_finished_total(?:\{[^}]*\})? (\S+)$/gm)) {
      total += Number(m[1]);
    }
    return total;
  } catch {
    return undefined;
  }
}

/** The whole path: a real worker and sweep, each training process's RSS every `every` trials. */
async function throughWorker(): Promise<void> {
  const total = Number(args.trials);
  const every = Number(args.every);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const dir = mkdtempSync(join(tmpdir(), "hypersweep-soak-"));
  const { file, trials } = bmiGridSpecFile(dir, {
    name: `soak-${total}`,
    trials: total,
    seeds: 100,
    task: "classification",
    model: { type: "mlp", hidden: [16, 8], activation: "relu" },
    training: { epochs: 2, batchSize: 32, checkpointEvery: 1 },
    execution: { pool: "soak", maxParallel: 2 * cpus().length, pack: 1 },
  });
  const stack = await benchStack(Number(args.offset), log);
  try {
    const extra = args["worker-args"].split(/[ ,]+/).filter(Boolean);
    await stack.worker("soak", ["--backend", args.backend, ...extra]);
    console.log(
      `# ${trials} trials (2-epoch MLP 16-8) through a worker, ${cpus().length} training processes`,
    );
    console.log(["trials", "process", "pid", "rss_MB"].join("\t"));
    const store = new ArtifactStore(stack.config.s3);
    const series = new Map<string, number[]>();
    const next = new Map<number, number>();
    let running = true;
    const sweep = stack.cli(["run", file, "--wait", "--json"]).finally(() => {
      running = false;
    });
    while (running) {
      for (const w of (await listLiveWorkers(store).catch(() => [])).filter(
        (e) => e.pool === "soak",
      )) {
        const [done, rss] = [await finishedBy(w.metricsUrl), rssOf(w.pid)];
        if (done === undefined || rss === undefined) continue;
        const due = next.get(w.pid) ?? every;
        if (done < due) continue;
        next.set(w.pid, due + every);
        const name = `${w.workerId} (pid ${w.pid})`;
        series.set(name, [...(series.get(name) ?? []), rss]);
        console.log([done, w.workerId, w.pid, rss].map(String).join("\t"));
      }
      await sleep(1000);
    }
    await sweep;
    growthLines(series);
  } finally {
    await stack.down();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.child) {
  const [from, count] = args.child.split(",").map(Number);
  await child(count ?? 0, Number(args.every), from ?? 0);
} else if (args.worker) {
  await throughWorker();
} else {
  await parent();
}
