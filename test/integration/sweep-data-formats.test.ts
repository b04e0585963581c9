import { readFile as readFileCb } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveInputs } from "../../client";
import { expandTrials, parseSpec } from "../../spec";
import { loadSpecFile } from "../../spec/file";
import { readAllTrials } from "../../storage/trials";
import { RUN, readSummary, runCli, useSweepEnvironment, waitFor } from "./support/harness";
import { prometheusApi } from "./support/prometheus";

const EXAMPLE = resolve("examples/sweeps/houses-jsonl.yaml");
const DATA = resolve("examples/data/houses.jsonl");
const POOL = `data-${RUN}`;
const EPOCHS = 4;

// Issue 10 item 3's example, short: JSON Lines with one-hot and index categories, a filled and
// a dropped missing value, features and target standardised, fetched from an HTTP URL.
describe("data beyond numeric CSV on the real stack", () => {
  const env = useSweepEnvironment(POOL, [[]]);
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== "/exports/houses.jsonl") return res.writeHead(404).end();
      readFileCb(DATA, (error, bytes) => res.writeHead(error ? 500 : 200).end(bytes));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** The example as a JSON spec file whose dataset comes from `url` (or a local `path`). */
  async function exampleFile(name: string, source: Record<string, string>) {
    const { spec, dir } = await loadSpecFile(EXAMPLE);
    const { path: _path, ...dataset } = spec.dataset;
    const short = {
      ...spec,
      name,
      dataset: { ...dataset, ...source },
      training: { ...spec.training, epochs: EPOCHS, checkpointEvery: 2 },
      execution: { ...spec.execution, pool: POOL, maxParallel: 2 },
    };
    const file = join(await mkdtemp(join(tmpdir(), "hypersweep-data-")), "houses.json");
    await writeFile(file, JSON.stringify(short));
    return { file, short: parseSpec(short), dir };
  }

  it("runs the JSON Lines example from a URL: trial ids follow the bytes; report and series", async () => {
    const name = `houses-${RUN}`;
    const { file, short } = await exampleFile(name, { url: `${base}/exports/houses.jsonl` });
    const local = await exampleFile(name, { path: DATA });
    const byPath = expandTrials((await resolveInputs(local.short, local.dir)).spec);
    const planned = expandTrials((await resolveInputs(short, local.dir)).spec);
    expect(planned.map((t) => t.trialId)).toEqual(byPath.map((t) => t.trialId));

    const run = await runCli(["run", file, "--wait", "--json"], { timeout: 600_000 });
    expect(run.stderr).not.toMatch(/hypersweep:/);
    expect(run.code).toBe(0);
    const { sweepId, counts } = JSON.parse(run.stdout) as {
      sweepId: string;
      counts: Record<string, number>;
    };
    expect(counts).toEqual({ completed: 4, diverged: 0, failed: 0, cancelled: 0 });
    const summary = await readSummary(env.config, sweepId);
    expect(summary.leaderboard.map((t) => t.trialId).sort()).toEqual(
      byPath.map((t) => t.trialId).sort(),
    );
    for (const a of await readAllTrials(env.store, sweepId)) {
      expect(a.records.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    }
    // Validation MSE in units of the price's training variance (1: predicting the mean); a raw
    // price in k€ could not come near it, nor a model that lost the district columns.
    expect(summary.leaderboard[0]!.finalValMetric).toBeLessThan(0.5);

    const out = await mkdtemp(join(tmpdir(), "hypersweep-data-report-"));
    const report = await runCli(["report", sweepId, "--out", out]);
    expect(report.stderr).not.toMatch(/hypersweep:/);
    expect(report.code).toBe(0);
    const html = await readFile(report.stdout.trim(), "utf8");
    for (const hidden of ["32", "64-32"]) expect(html).toContain(hidden);

    const prom = prometheusApi(env.config.prometheus.url);
    const series = await waitFor(
      "the data example's series in Prometheus",
      async () => {
        const found = await prom.query(`hypersweep_trial_epoch{sweep="${sweepId}"}`);
        return found.length === planned.length ? found : undefined;
      },
      60_000,
    );
    expect(new Set(series.map((s) => s.metric.hidden))).toEqual(new Set(["32", "64-32"]));
    for (const s of series) expect(s.metric).toMatchObject({ epochs: String(EPOCHS) });
  });

  it("refuses bad data before anything starts: exit 2 naming the file, line and column", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hypersweep-data-bad-"));
    const lines = (await readFile(DATA, "utf8")).split("\n");
    const bad = join(dir, "houses.jsonl");
    const cases: [string, (rows: string[]) => string[], RegExp][] = [
      [
        "text in a number column",
        (rows) => rows.map((r, i) => (i === 6 ? r.replace(/"rooms":\d+/, '"rooms":"four"') : r)),
        /houses\.jsonl: line 7, column "rooms": "four" is not a number \(declare it under dataset\.categorical\)/,
      ],
      [
        "a missing cell without a rule",
        (rows) => rows.map((r, i) => (i === 2 ? r.replace(/"built":\d+,/, "") : r)),
        /houses\.jsonl: line 3, column "built": is empty \(declare dataset\.missing\.built/,
      ],
      [
        "a line that is not JSON",
        (rows) => rows.map((r, i) => (i === 7 ? r.slice(0, 20) : r)),
        /houses\.jsonl: line 8: not valid JSON/,
      ],
    ];
    for (const [what, edit, message] of cases) {
      await writeFile(bad, edit(lines).join("\n"));
      const { file } = await exampleFile(`houses-bad-${RUN}`, { path: bad });
      const run = await runCli(["run", file, "--wait"]);
      expect({ what, code: run.code }).toEqual({ what, code: 2 });
      expect(run.stderr).toMatch(message);
    }
    const missing = await exampleFile(`houses-404-${RUN}`, { url: `${base}/gone.jsonl` });
    const run = await runCli(["run", missing.file, "--wait"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`dataset.url: ${base}/gone.jsonl answered HTTP 404`);
  });
});
