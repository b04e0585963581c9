/**
 * A fresh local stack of a benchmark's own (state folder `.hypersweep-bench-<offset>`, ports +
 * offset), a training worker on it, and `hypersweep` commands against it. Stopped and removed
 * by `down()`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type HypersweepConfig, loadConfig } from "../../../config";
import { stackDown, stackUp } from "../../../infra/stack";
import { ArtifactStore } from "../../../storage/store";
import { listLiveWorkers } from "../../../workers/registry";

export const BIN = resolve("bin/hypersweep.js");

export interface BenchStack {
  config: HypersweepConfig;
  env: NodeJS.ProcessEnv;
  /** `hypersweep worker --pool <pool> …`; resolves once its training processes are registered. */
  worker(pool: string, args: string[]): Promise<ChildProcess>;
  /** Runs a `hypersweep` command to its end; its stdout. */
  cli(args: string[]): Promise<string>;
  down(): Promise<void>;
}

export async function benchStack(offset: number, log: (l: string) => void): Promise<BenchStack> {
  const port = (p: number) => String(p + offset);
  const stateDir = resolve(`.hypersweep-bench-${offset}`);
  rmSync(stateDir, { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HYPERSWEEP_STATE_DIR: stateDir,
    HYPERSWEEP_TEMPORAL_PORT: port(7233),
    HYPERSWEEP_TEMPORAL_UI_PORT: port(8233),
    TEMPORAL_ADDRESS: `127.0.0.1:${port(7233)}`,
    HYPERSWEEP_MINIO_PORT: port(9000),
    HYPERSWEEP_MINIO_CONSOLE_PORT: port(9001),
    HYPERSWEEP_S3_ENDPOINT: `http://127.0.0.1:${port(9000)}`,
    HYPERSWEEP_PROMETHEUS_PORT: port(9090),
    HYPERSWEEP_DISCOVERY_PORT: port(9099),
  };
  for (const k of ["HYPERSWEEP_S3_ACCESS_KEY", "HYPERSWEEP_S3_SECRET_KEY", "TEMPORAL_API_KEY"]) {
    delete env[k];
  }
  const config = loadConfig(env);
  await stackUp(config, { onProgress: (l) => log(`[stack] ${l}`) });
  const live = loadConfig(env);
  const children: ChildProcess[] = [];
  const run = (args: string[], stdio: "pipe" | "ignore" = "pipe") => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      stdio: ["ignore", stdio, "pipe"],
    });
    child.stderr?.on("data", (d: Buffer) => {
      if (process.env.HYPERSWEEP_BENCH_VERBOSE) process.stderr.write(d);
    });
    return child;
  };
  return {
    config: live,
    env,
    async worker(pool, args) {
      const child = run(["worker", "--pool", pool, "--metrics-port", "0", ...args], "ignore");
      children.push(child);
      const store = new ArtifactStore(live.s3);
      for (;;) {
        const workers = await listLiveWorkers(store).catch(() => []);
        if (workers.some((w) => w.pool === pool)) return child;
        if (child.exitCode !== null) throw new Error(`worker for ${pool} exited ${child.exitCode}`);
        await sleep(1000);
      }
    },
    async cli(args) {
      const child = run(args);
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
      });
      const [code] = await once(child, "exit");
      if (code !== 0 && code !== 1) throw new Error(`hypersweep ${args.join(" ")}: exit ${code}`);
      return out;
    },
    async down() {
      for (const c of children) c.kill("SIGTERM");
      await Promise.all(children.map((c) => (c.exitCode === null ? once(c, "exit") : undefined)));
      await stackDown(live);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
