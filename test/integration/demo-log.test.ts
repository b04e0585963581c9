import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { ListedSweep } from "../../cli/actions/list";
import { BIN, testConfig, waitFor } from "./support/harness";

const run = promisify(execFile);

/** Lines that belong in the workers' log, never among the demo's progress lines. */
const NOISE = [/No workflows registered/, /looks like you are running TensorFlow\.js/i, /\[INFO\]/];

describe("demo: what the user watches", () => {
  it("routes the workers' SDK warnings and tfjs banner to the log file, and lists its four sweeps", async () => {
    const config = testConfig();
    const out = await mkdtemp(join(tmpdir(), "hypersweep-demo-"));
    const demo = await run(
      process.execPath,
      [BIN, "demo", "--epochs", "5", "--seeds", "1", "--workers", "1", "--fresh", "--out", out],
      { env: process.env, timeout: 540_000, maxBuffer: 1 << 26 },
    );
    const started = [...demo.stderr.matchAll(/^ {2}started (\S+)$/gm)].map((m) => m[1]);
    expect(started).toHaveLength(4);
    for (const noise of NOISE) {
      expect(demo.stderr).not.toMatch(noise);
      expect(demo.stdout).not.toMatch(noise);
    }
    const logPath = join(config.stateDir, "logs", "demo-workers.log");
    expect(demo.stderr).toContain(`their log: ${logPath}`);
    // The training processes' own Temporal workers (activities only) say this at start.
    expect(await readFile(logPath, "utf8")).toMatch(/No workflows registered/);

    // Visibility is eventually consistent: a sweep that just closed may still list as running.
    const mine = await waitFor(
      "the demo's sweeps listed as completed",
      async () => {
        const list = await run(process.execPath, [BIN, "list", "--json", "--limit", "200"], {
          env: process.env,
        });
        const rows = (JSON.parse(list.stdout) as ListedSweep[]).filter((r) =>
          started.includes(r.sweepId),
        );
        return rows.length === 4 && rows.every((r) => r.state === "completed") ? rows : undefined;
      },
      60_000,
    );
    for (const r of mine) {
      expect(r.done).toBe(r.total);
      expect(Number.isFinite(r.best?.objective)).toBe(true);
    }
  }, 600_000);
});
