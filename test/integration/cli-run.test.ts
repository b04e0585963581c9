import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  BIN,
  BMI_CSV,
  bmiSpec,
  RUN,
  runCli,
  spawnTrainingWorker,
  startSweepWorker,
  stopChild,
  testConfig,
} from "./support/harness";

const DATA = BMI_CSV;
const POOL = `cli-${RUN}`;

const cli = (...args: string[]) => runCli(args, { timeout: 300_000 });

const spec = (name: string, patch: Record<string, unknown> = {}, data = DATA) =>
  bmiSpec(name, POOL, patch, data);

// Malformed specs and bad data must fail before anything is scheduled: exit 2, every problem
// named by its path (or row and column), and no workflow on the server.
const BAD_SPECS: Array<[string, Record<string, unknown>, RegExp[]]> = [
  [
    "negative lr",
    { grid: { optimizer: ["sgd"], learningRate: [0.1, -1], seed: [1] } },
    [/grid\.learningRate\[1\] \(line \d+\): must be a positive number/],
  ],
  [
    "unknown optimizer",
    { grid: { optimizer: ["sgd", "adamw"], seed: [1] } },
    [/grid\.optimizer\[1\]/],
  ],
  ["zero epochs", { training: { epochs: 0 } }, [/training\.epochs/]],
  [
    "two problems",
    { training: { epochs: 1.5 }, model: { type: "mlp", hidden: [0] } },
    [/training\.epochs/, /model\.hidden\[0\]/],
  ],
  ["unknown key", { grdi: {} }, [/grdi/]],
  ["s3 key with ..", s3Dataset("s3://datasets/../x.csv"), [/dataset\.s3 .*"\.\."/]],
  [
    "missing s3 object",
    s3Dataset(`s3://datasets/missing-${RUN}.csv`),
    [/dataset\.s3: .*missing-.*not found/],
  ],
];

function s3Dataset(s3: string): Record<string, unknown> {
  const { path: _path, ...dataset } = spec("x").dataset;
  return { dataset: { ...dataset, s3 } };
}

describe("hypersweep run (CLI, real stack)", () => {
  const config = testConfig();
  let dir: string;
  let temporal: Client;
  let connection: Connection;
  let orchestrator: ReturnType<typeof startSweepWorker>;
  let finished: string | undefined; // the sweep the run-to-the-end test finished
  const worker = spawnTrainingWorker(POOL);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hypersweep-cli-"));
    connection = await Connection.connect({ address: config.temporal.address });
    temporal = new Client({ connection });
    orchestrator = startSweepWorker(config);
  });
  afterAll(async () => {
    await stopChild(worker);
    await orchestrator?.stop();
    await connection?.close();
  });

  async function workflowsNamed(prefix: string): Promise<number> {
    let n = 0;
    for await (const w of temporal.workflow.list()) if (w.workflowId.startsWith(prefix)) n += 1;
    return n;
  }

  it.each(BAD_SPECS)(
    "rejects a spec with %s: exit 2, the paths named, nothing started",
    async (label, patch, expected) => {
      const name = `bad-${label.replace(/\W+/g, "-")}-${RUN}`;
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, stringify(spec(name, patch)));
      const result = await cli("run", file);
      expect(result.code).toBe(2);
      for (const re of expected) expect(result.stderr).toMatch(re);
      expect(await workflowsNamed(name)).toBe(0);
    },
  );

  it("rejects bad data naming its row and column, before any workflow starts", async () => {
    const csv = (await readFile(DATA, "utf8")).split("\n");
    csv[7] = csv[7]!.replace(/^[^,]*,[^,]*/, "Male,abc");
    const data = join(dir, "broken.csv");
    await writeFile(data, csv.join("\n"));
    const name = `bad-data-${RUN}`;
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, stringify(spec(name, {}, data)));
    const result = await cli("run", file);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/row 7|line 8/i);
    expect(result.stderr).toMatch(/Height/);
    expect(await workflowsNamed(name)).toBe(0);
  });

  it("dry-runs, runs to the end, and reports results as JSON and CSV", async () => {
    const name = `cli-ok-${RUN}`;
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, stringify(spec(name)));
    const dry = await cli("run", "--dry-run", "--json", file);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as { sweepId: string; trials: unknown[] };
    finished = plan.sweepId;
    expect(plan.trials).toHaveLength(2);
    expect(await workflowsNamed(name)).toBe(0);

    const done = await cli("run", "--wait", "--json", file);
    expect(done.code).toBe(0);
    const summary = JSON.parse(done.stdout) as { sweepId: string; counts: Record<string, number> };
    expect(summary.sweepId).toBe(plan.sweepId);
    expect((summary.counts.completed ?? 0) + (summary.counts.diverged ?? 0)).toBe(2);

    const csv = await cli("results", plan.sweepId, "--format", "csv");
    expect(csv.stdout.trim().split("\n")).toHaveLength(3);
    const status = await cli("status", plan.sweepId, "--json");
    expect(JSON.parse(status.stdout).state).toBe("completed");
    const missing = await cli("results", `no-such-sweep-${RUN}`);
    expect(missing.code).toBe(2);
  });

  it("control commands on a finished or unknown sweep: one line, exit 2", async () => {
    expect(finished).toBeDefined();
    const id = finished!;
    for (const args of [
      ["pause", id],
      ["resume", id],
      ["cancel", id],
      ["set-parallel", id, "3"],
    ]) {
      const result = await cli(...args);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(`sweep ${id} is completed, not running`);
    }
    const unknown = await cli("pause", `no-such-sweep-${RUN}`);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toMatch(
      new RegExp(`^hypersweep: no sweep with id or name no-such-sweep-${RUN}`),
    );
  });

  it("lists sweeps with name, progress and best; a name finds its sweep, a near one is suggested", async () => {
    expect(finished).toBeDefined();
    const name = `cli-ok-${RUN}`;
    const list = await cli("list", "--json");
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    const row = rows.find((r) => r.sweepId === finished);
    expect(row).toMatchObject({ name, state: "completed", done: 2, total: 2, totalTrials: 2 });
    expect(typeof (row?.best as { objective?: unknown })?.objective).toBe("number");
    // Columns are padded to the longest cell; other sweeps on a kept stack widen them.
    expect((await cli("list")).stdout).toMatch(new RegExp(`${name} +${finished} +completed +2/2`));

    const byName = await cli("results", name, "--format", "csv");
    expect(byName.code).toBe(0);
    expect(byName.stdout.trim().split("\n")).toHaveLength(3);
    const status = await cli("status", name);
    expect(status.stdout).toContain(`${finished}: completed`);
    expect(status.stdout).toMatch(/best valAccuracy \d\.\d+ \(t-[0-9a-f]+: optimizer=/);
    const near = await cli("status", name.slice(0, -2));
    expect(near.code).toBe(2);
    expect(near.stderr).toMatch(new RegExp(`did you mean .*${finished}`));
  });

  it("results and report of a running sweep: partial, marked as such", async () => {
    // No worker polls this pool: the sweep runs with nothing finished until it is cancelled.
    const name = `cli-running-${RUN}`;
    const file = join(dir, `${name}.yaml`);
    await writeFile(
      file,
      stringify(spec(name, { execution: { pool: `idle-${RUN}`, maxParallel: 1 } })),
    );
    const started = await cli("run", file);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    try {
      const results = await cli("results", name);
      expect(results.code).toBe(0);
      expect(results.stdout).toContain("PARTIAL (sweep still running): 0 of 2 trials finished");
      const json = JSON.parse((await cli("results", id, "--format", "json")).stdout);
      expect(json).toMatchObject({ partial: true, total: 2 });
      const report = await cli("report", id, "--out", join(dir, "partial-report"));
      expect(report.code).toBe(0);
      expect(report.stderr).toContain("partial report");
      const html = await readFile(join(dir, "partial-report", "index.html"), "utf8");
      expect(html).toContain("partial: still running, 0 of 2 trials finished");
    } finally {
      await cli("cancel", id);
    }
  });

  it("`results` piped into a reader that has gone (`| head`) exits quietly", async () => {
    expect(finished).toBeDefined();
    const child = spawn(process.execPath, [BIN, "results", finished!, "--format", "csv"], {
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy(); // the reader closes the pipe before anything is written
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = (await once(child, "exit")) as [number | null];
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
