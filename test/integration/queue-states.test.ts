import { execFile, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  BIN,
  bmiSpec,
  RUN,
  SweepClient,
  startSweepWorker,
  stopChild,
  testConfig,
  waitFor,
} from "./support/harness";

const run = promisify(execFile);
const config = testConfig();
const POOL = `nobody-${RUN}`;

const spec = (name: string) => bmiSpec(name, POOL, { training: { epochs: 2, checkpointEvery: 1 } });

describe("queue states", () => {
  const orchestrator = startSweepWorker(config);
  afterAll(() => orchestrator.stop());

  it("a pool nobody polls is named on run --wait, and its trials read queued", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hypersweep-queue-"));
    const file = join(dir, "spec.yaml");
    await writeFile(file, stringify(spec(`queued-${RUN}`)));
    const cli = spawn(process.execPath, [BIN, "run", file, "--wait"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    cli.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const client = await SweepClient.connect(config);
    try {
      const sweepId = await waitFor(
        "the sweep started",
        async () => /started sweep (\S+)/.exec(stderr)?.[1],
      );
      // The contract (issue 15): said within 10 s of the sweep starting, not at some point.
      await waitFor(
        "the no-poller warning",
        async () => (/no worker polls pool/.test(stderr) ? true : undefined),
        10_000,
      );
      expect(stderr).toContain(`no worker polls pool "${POOL}" (task queue hypersweep-${POOL})`);
      expect(stderr).toContain(`hypersweep worker --pool ${POOL}`);
      const status = await waitFor("both trials scheduled", async () => {
        const s = await client.status(sweepId);
        return s.state === "running" && s.trials.length === 2 ? s : undefined;
      });
      expect(status.state === "running" && status.trials.every((t) => t.queued)).toBe(true);
      const { stdout } = await run(process.execPath, [BIN, "status", sweepId]);
      expect(stdout).toMatch(/0 running, 2 queued/);
      await client.cancel(sweepId);
    } finally {
      await stopChild(cli);
      await client.close();
    }
  }, 120_000);
});
