import { describe, expect, it } from "vitest";
import { readStackCredentials } from "../../config";
import { startService, stopService } from "../../infra/stack";
import { expandTrials } from "../../spec";
import {
  RUN,
  SweepClient,
  smallSweep,
  spawnWorker,
  startSweep,
  startSweepWorker,
  stopChild,
  testConfig,
  testWorkerArgv,
  waitFor,
} from "./support/harness";

const config = testConfig();

const exited = (w: ReturnType<typeof spawnWorker>) =>
  new Promise<number | null>((resolve) => {
    if (w.child.exitCode !== null) resolve(w.child.exitCode);
    else w.child.once("exit", (code) => resolve(code));
  });

const linesMatching = (text: string, pattern: RegExp) =>
  text.split("\n").filter((l) => pattern.test(l)).length;

describe("a worker checks what it depends on before it polls", () => {
  it("refuses to start with a wrong S3 secret, without printing it", async () => {
    const keys = readStackCredentials(config.stateDir);
    const wrong = `wrong-secret-${RUN}`;
    const w = spawnWorker(testWorkerArgv(`st-s3-${RUN}`, ["--no-sweeps"]), {
      ...process.env,
      HYPERSWEEP_S3_ACCESS_KEY: keys?.accessKey,
      HYPERSWEEP_S3_SECRET_KEY: wrong,
    });
    expect(await exited(w)).toBe(2);
    expect(w.stderr()).toMatch(/S3 at .* refuses the credentials .*HYPERSWEEP_S3_SECRET_KEY/);
    expect(w.stderr()).not.toContain(wrong);
  });

  it("refuses to start on a Temporal namespace that does not exist", async () => {
    const w = spawnWorker(testWorkerArgv(`st-ns-${RUN}`, ["--no-sweeps"]), {
      ...process.env,
      TEMPORAL_NAMESPACE: `missing-${RUN}`,
    });
    expect(await exited(w)).toBe(2);
    expect(w.stderr()).toMatch(new RegExp(`namespace "missing-${RUN}"`));
  });
});

describe("a worker started before the stack", () => {
  const POOL = `early-${RUN}`;

  it("waits with back-off, says so once per interval, gives up only after --connect-timeout, and polls once the servers are up", async () => {
    await stopService(config, "temporal");
    await stopService(config, "minio");
    const early = spawnWorker(testWorkerArgv(POOL, ["--no-sweeps"]));
    let orchestrator: ReturnType<typeof startSweepWorker> | undefined;
    let client: SweepClient | undefined;
    try {
      const impatient = spawnWorker(
        testWorkerArgv(`${POOL}-impatient`, ["--no-sweeps", "--connect-timeout", "3"]),
      );
      expect(await exited(impatient)).toBe(1);
      expect(impatient.stderr()).toMatch(/gave up after \d+ s waiting for Temporal/);
      await waitFor("the early worker to wait for Temporal", async () =>
        /waiting for Temporal/.test(early.stderr()) ? true : undefined,
      );
      // Several attempts by now (0.5 s, 1 s, 2 s … apart) but one line for the interval.
      expect(linesMatching(early.stderr(), /waiting for/)).toBe(1);

      await startService(config, "temporal");
      await waitFor("the early worker to wait for S3", async () =>
        /waiting for S3/.test(early.stderr()) ? true : undefined,
      );
      await startService(config, "minio");
      await waitFor("the early worker to report the servers up", async () =>
        /servers reachable/.test(early.stderr()) ? true : undefined,
      );
      expect(early.child.exitCode).toBeNull();

      orchestrator = startSweepWorker(config);
      client = await SweepClient.connect(config);
      const spec = await smallSweep(config, "early", POOL, {
        epochs: 3,
        checkpointEvery: 3,
        maxParallel: 2,
        momenta: [0, 0.9],
      });
      const sweepId = await startSweep(client, spec);
      const result = await client.handle(sweepId).result();
      expect(result.counts.completed).toBe(expandTrials(spec).length);
    } finally {
      // Leave the stack up for the next file, whatever happened.
      await startService(config, "temporal").catch(() => undefined);
      await startService(config, "minio").catch(() => undefined);
      await stopChild(early.child);
      await orchestrator?.stop();
      await client?.close();
    }
  });
});
