/**
 * `npm run -s bench:cli`: median wall time of `hypersweep --help` from the dist/ bundle, and from
 * the TypeScript sources through tsx (the baseline, HYPERSWEEP_FROM_SOURCE=1), in one script.
 * Build first (`npm run build`) or the bundle line measures the fallback too.
 */
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";

const RUNS = Number(process.argv[2] ?? 7);

function medianMs(env: NodeJS.ProcessEnv): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, ["bin/hypersweep.js", "--help"], { env, stdio: "ignore" });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const bundle = medianMs(process.env);
const source = medianMs({ ...process.env, HYPERSWEEP_FROM_SOURCE: "1" });
process.stdout.write(
  `${JSON.stringify({ runs: RUNS, helpBundleMs: Math.round(bundle), helpSourceMs: Math.round(source), ratio: Number((source / bundle).toFixed(2)) })}\n`,
);
