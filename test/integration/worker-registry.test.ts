import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { WorkerEntry } from "../../workers/registry";
import {
  BIN,
  RUN,
  STACK_BUCKET,
  spawnWorker,
  stopChild,
  testConfig,
  testWorkerArgv,
  waitFor,
} from "./support/harness";
import { prometheusApi } from "./support/prometheus";

const config = testConfig();
const run = promisify(execFile);
// A "second machine": its own state dir, reaching the stack only through Temporal and S3.
const machine = mkdtempSync(join(tmpdir(), "hypersweep-machine-"));
afterAll(() => rmSync(machine, { recursive: true, force: true }));

async function liveWorkers(): Promise<WorkerEntry[]> {
  const { stdout } = await run(process.execPath, [BIN, "workers", "--json"], {
    env: { ...process.env, HYPERSWEEP_BUCKET: STACK_BUCKET },
  });
  return JSON.parse(stdout) as WorkerEntry[];
}

interface Target {
  labels: Record<string, string>;
  health: string;
}

async function workerTargets(worker: string): Promise<Target[]> {
  const res = await fetch(`${config.prometheus.url}/api/v1/targets?state=active`);
  const body = (await res.json()) as { data: { activeTargets: Target[] } };
  return body.data.activeTargets.filter((t) => t.labels.worker === worker);
}

describe("worker registry in the bucket", () => {
  it("a worker of another machine is listed and scraped, and a killed one expires", async () => {
    const pool = `registry-${RUN}`;
    const keys = { access: config.s3.accessKey?.reveal(), secret: config.s3.secretKey?.reveal() };
    const w = spawnWorker(testWorkerArgv(pool, ["--no-sweeps"]), {
      ...process.env,
      HYPERSWEEP_STATE_DIR: machine,
      // The registry the stack's discovery server reads.
      HYPERSWEEP_BUCKET: STACK_BUCKET,
      HYPERSWEEP_PROMETHEUS_SD_DIR: join(machine, "targets"),
      HYPERSWEEP_S3_ACCESS_KEY: keys.access,
      HYPERSWEEP_S3_SECRET_KEY: keys.secret,
    });
    try {
      const entry = await waitFor("the worker in `hypersweep workers`", async () =>
        (await liveWorkers()).find((e) => e.pool === pool),
      );
      expect(entry).toMatchObject({ backend: "wasm", devices: ["cpu"], slots: 1 });
      expect(entry.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      // Nothing reached the stack's file_sd folder: Prometheus can only know it from the registry.
      expect(readdirSync(config.prometheus.sdDir).some((f) => f.includes(pool))).toBe(false);
      expect(existsSync(join(machine, "targets", `${entry.workerId}.json`))).toBe(true);

      const api = prometheusApi(config.prometheus.url);
      await waitFor("up == 1 for the remote worker", async () => {
        const up = await api.query(`up{job="hypersweep-workers",worker="${entry.workerId}"}`);
        return up[0]?.value?.[1] === "1" ? true : undefined;
      });
      expect((await workerTargets(entry.workerId)).map((t) => t.labels.pool)).toEqual([pool]);

      w.child.kill("SIGKILL");
      await waitFor(
        "the killed worker gone from `hypersweep workers`",
        async () =>
          (await liveWorkers()).some((e) => e.workerId === entry.workerId) ? undefined : true,
        180_000,
      );
      await waitFor(
        "the killed worker gone from Prometheus' targets",
        async () => ((await workerTargets(entry.workerId)).length === 0 ? true : undefined),
        180_000,
      );
    } finally {
      await stopChild(w.child, "SIGKILL");
    }
  }, 420_000);
});
