/**
 * A worker whose S3 keys stop working after it started (keys revoked, a store swapped under it)
 * takes no trial while S3 refuses it, and polls again once S3 accepts it: no trial spends an
 * attempt on it. The refusing store is a second real MinIO with other root keys on an empty
 * folder, put in place by switching the TCP relay the worker's S3 endpoint points at.
 */

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { minioBinaryPath } from "../../infra/stack/install-minio";
import { ArtifactStore } from "../../storage/store";
import { readAllTrials } from "../../storage/trials";
import {
  expectEachTrialAndEpochOnce,
  pendingTrials,
  RUN,
  SweepClient,
  smallSweep,
  spawnTracked,
  spawnWorker,
  startSweep,
  startSweepWorker,
  stopChild,
  testConfig,
  testWorkerArgv,
  waitFor,
} from "./support/harness";

const config = testConfig();
const POOL = `health-${RUN}`;
const cleanups: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP relay on a free port whose target can be switched; switching cuts open connections. */
async function switchableRelay(target: number) {
  const open = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect({ port: target, host: "127.0.0.1" });
    for (const s of [inbound, outbound]) {
      open.add(s);
      s.once("close", () => open.delete(s));
      s.on("error", () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    switchTo(port: number) {
      target = port;
      for (const s of open) s.destroy();
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A second real MinIO (the stack's binary) with its own random root keys, on an empty folder. */
async function otherMinio() {
  const dir = mkdtempSync(join(tmpdir(), "hypersweep-other-minio-"));
  const [port, consolePort] = [await freePort(), await freePort()];
  const server = spawnTracked(
    minioBinaryPath(config.cacheDir),
    [
      "server",
      dir,
      "--address",
      `127.0.0.1:${port}`,
      "--console-address",
      `127.0.0.1:${consolePort}`,
    ],
    {
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        MINIO_ROOT_USER: `other-${randomBytes(4).toString("hex")}`,
        MINIO_ROOT_PASSWORD: randomBytes(18).toString("base64url"),
      },
    },
  );
  cleanups.push(async () => {
    await stopChild(server.child, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor(
    "the second MinIO",
    async () =>
      (await fetch(`http://127.0.0.1:${port}/minio/health/ready`)).ok ? true : undefined,
    60_000,
  );
  return port;
}

describe("a worker whose S3 keys stop working after it started", () => {
  it("takes no trial while S3 refuses it, and polls again once S3 accepts it", async () => {
    const stackMinio = Number(new URL(config.s3.endpoint).port);
    const refusing = await otherMinio();
    const relay = await switchableRelay(stackMinio);
    cleanups.push(() => relay.close());

    const worker = spawnWorker(testWorkerArgv(POOL, ["--no-sweeps"]), {
      ...process.env,
      HYPERSWEEP_S3_ENDPOINT: `http://127.0.0.1:${relay.port}`,
      HYPERSWEEP_S3_HEALTH_CHECK_SECONDS: "1",
    });
    cleanups.push(() => stopChild(worker.child, "SIGKILL"));
    const orchestrator = startSweepWorker(config);
    cleanups.push(() => orchestrator.stop());
    const client = await SweepClient.connect(config);
    cleanups.push(() => client.close());

    // Started healthy: it checked the keys through the relay, then polls.
    await waitFor("the worker to register", async () =>
      (await new ArtifactStore(config.s3).list("workers/")).some((k) => k.includes(POOL))
        ? true
        : undefined,
    );
    relay.switchTo(refusing);
    const refusal = await waitFor(
      "the worker to notice the refusal",
      async () => /refuses this worker \((\w+)\)/.exec(worker.stderr())?.[1],
      60_000,
    );
    expect(refusal).toBe("InvalidAccessKeyId");
    expect(worker.stderr()).toMatch(/taking no new trials until it accepts again/);

    const spec = await smallSweep(config, "health", POOL, {
      epochs: 3,
      checkpointEvery: 1,
      maxParallel: 3,
      momenta: [0, 0.5, 0.9],
      pack: 1,
    });
    const sweepId = await startSweep(client, spec);
    await waitFor("the three trials to be scheduled", async () =>
      (await pendingTrials(client, sweepId)).length === 3 ? true : undefined,
    );
    // The only worker of the pool is refused: nothing starts (a poller would have started
    // them within a second), and no attempt is spent.
    await sleep(8000);
    const waiting = await pendingTrials(client, sweepId);
    expect(waiting.map((p) => [p.identity, p.attempt])).toEqual([
      ["", 1],
      ["", 1],
      ["", 1],
    ]);

    relay.switchTo(stackMinio);
    await waitFor("the worker to poll again", async () =>
      /S3 accepts the keys and bucket again; polling/.test(worker.stderr()) ? true : undefined,
    );
    const result = await client.handle(sweepId).result();
    await expectEachTrialAndEpochOnce(config, spec, sweepId, result, 3);
    const trials = await readAllTrials(new ArtifactStore(config.s3), sweepId);
    expect(trials.map((t) => t.attempts)).toEqual([1, 1, 1]);
  });
});
