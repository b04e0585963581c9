/**
 * Soak benchmark: many tiny trials through the training engine in long-lived processes, printing
 * each process's resident memory (RSS) every `--every` trials, then the growth after warm-up.
 * `--recycle-after-trials N` restarts a process after N trials, as `worker --recycle-after-trials`
 * does, to show the bound. Run: `npm run -s bench:soak -- --trials 2000`.
 */
import { fork } from "node:child_process";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import type { BackendPreference } from "../../spec/types";
import { initBackend, trainTrial } from "../../training";
import { loadBmi, smallMlp } from "../unit/training/fixtures";

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "10000" },
    processes: { type: "string", default: "2" },
    every: { type: "string", default: "1000" },
    backend: { type: "string", default: "auto" },
    "recycle-after-trials": { type: "string" },
    child: { type: "string" },
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
  for (const [index, series] of rss.entries()) {
    // The first report is the warm-up (kernels compiled, allocator primed).
    const [warm, last] = [series[0], series.at(-1)];
    if (warm === undefined || last === undefined) continue;
    const growth = (((last - warm) / warm) * 100).toFixed(1);
    console.log(`# process ${index}: ${warm} MB after warm-up, ${last} MB at end (${growth} %)`);
  }
}

if (args.child) {
  const [from, count] = args.child.split(",").map(Number);
  await child(count ?? 0, Number(args.every), from ?? 0);
} else {
  await parent();
}
