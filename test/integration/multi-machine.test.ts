import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type HypersweepConfig, loadConfig, STACK_STATE_FILE } from "../../config";
import { ensureStackCredentials } from "../../infra/stack";
import type { WorkerEntry } from "../../workers/registry";
import {
  BIN,
  expectEachTrialAndEpochOnce,
  pendingTrials,
  RUN,
  runCli,
  SweepClient,
  smallSweep,
  startSweep,
  startSweepWorker,
  testConfig,
  waitFor,
} from "./support/harness";
import {
  canConnectFrom,
  createLan,
  killMachine,
  type Machine,
  pidsIn,
  routesOf,
  spawnIn,
  type VirtualLan,
} from "./support/netns";
import { prometheusApi } from "./support/prometheus";

const OFFSET = Number(process.env.HYPERSWEEP_TEST_STACK_OFFSET ?? 0);
// Names and addresses of this test only (per stack offset, so side-by-side stacks never meet).
const PREFIX = `hsmm${OFFSET}`;
const SUBNET = `10.213.${OFFSET % 256}`;
const POOL = `machines-${RUN}`;
const EPOCHS = 40;
const EVERY = 5;
const SLOTS = 2;

// A second stack on the LAN's host address, with its own state dir and the test stack's ports
// + 5 (the Temporal dev server itself stays on loopback, where the test stack holds its port;
// offsets are multiples of 10). No address in the environment: every command finds the stack
// where `stack up` recorded it.
const base = testConfig();
const stateDir = `${base.stateDir}-machines`;
const shifted = (port: number) => String(port + 5);
const stackEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        ![
          "HYPERSWEEP_STATE_DIR",
          "TEMPORAL_ADDRESS",
          "HYPERSWEEP_S3_ENDPOINT",
          "HYPERSWEEP_PROMETHEUS_URL",
          "HYPERSWEEP_S3_ACCESS_KEY",
          "HYPERSWEEP_S3_SECRET_KEY",
          "HYPERSWEEP_BUCKET",
        ].includes(k),
    ),
  ),
  HYPERSWEEP_TEMPORAL_PORT: shifted(base.temporal.port),
  HYPERSWEEP_TEMPORAL_UI_PORT: shifted(base.temporal.uiPort),
  HYPERSWEEP_MINIO_PORT: shifted(base.minio.port),
  HYPERSWEEP_MINIO_CONSOLE_PORT: shifted(base.minio.consolePort),
  HYPERSWEEP_PROMETHEUS_PORT: shifted(base.prometheus.port),
  HYPERSWEEP_DISCOVERY_PORT: shifted(base.prometheus.discoveryPort),
};
const ports = loadConfig(stackEnv, { stateDir: `${stateDir}-unused` });
/** The CLI on the LAN stack's state dir; throws (with its stderr) unless it exits 0. */
async function cli(...args: string[]) {
  const run = await runCli(["--state-dir", stateDir, ...args], { env: stackEnv });
  if (run.code !== 0)
    throw new Error(`hypersweep ${args.join(" ")}: exit ${run.code}\n${run.stderr}`);
  return run;
}

/**
 * A worker on a machine: its own empty folder as cwd and HOME (so its state dir and caches are
 * its own), and in its environment only where Temporal and S3 are and the S3 keys.
 */
function startMachineWorker(machine: Machine, config: HypersweepConfig, workerId: string) {
  const home = mkdtempSync(join(tmpdir(), `hypersweep-${machine.ns}-`));
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    TEMPORAL_ADDRESS: config.temporal.address,
    HYPERSWEEP_S3_ENDPOINT: config.s3.endpoint,
    HYPERSWEEP_S3_ACCESS_KEY: config.s3.accessKey?.reveal(),
    HYPERSWEEP_S3_SECRET_KEY: config.s3.secretKey?.reveal(),
  };
  const args = [
    BIN,
    "worker",
    "--pool",
    POOL,
    "--no-sweeps",
    "--backend",
    "wasm",
    "--concurrency",
    "1",
    "--slots-per-process",
    String(SLOTS),
    "--metrics-host",
    machine.address,
    "--metrics-port",
    "0",
    "--worker-id",
    workerId,
  ];
  const worker = spawnIn(machine, process.execPath, args, { env, cwd: home });
  return { ...worker, home, workerId };
}

const started = Date.now();
/** Where the time goes (stderr), for a test that must stay within a few minutes on CI. */
const phase = (what: string) =>
  process.stderr.write(
    `[multi-machine] ${((Date.now() - started) / 1000).toFixed(1)} s: ${what}\n`,
  );

async function liveWorkers(): Promise<WorkerEntry[]> {
  return JSON.parse((await cli("workers", "--json")).stdout) as WorkerEntry[];
}

describe("a sweep over two machines (network namespaces), one killed whole", () => {
  it("finishes on the other machine, every trial and epoch once, both scraped while alive", async () => {
    let lan: VirtualLan | undefined;
    let orchestrator: ReturnType<typeof startSweepWorker> | undefined;
    let client: SweepClient | undefined;
    const homes: string[] = [];
    let recordLeft = true;
    try {
      lan = await createLan(PREFIX, SUBNET, ["a", "b"]);
      const [a, b] = lan.machines as [Machine, Machine];
      // Each machine has its link and nothing else: no default route, its own loopback.
      for (const m of lan.machines) {
        expect(routesOf(m.ns)).toEqual([
          expect.stringMatching(new RegExp(`^${SUBNET.replaceAll(".", "\\.")}\\.0/24 dev `)),
        ]);
        expect(canConnectFrom(m.ns, "127.0.0.1", base.temporal.port)).toBe(false);
      }

      phase("LAN built");
      // The machines boot while the stack starts (a worker waits for Temporal and S3): they
      // get the addresses the stack will serve on and the keys it will use (made here first).
      ensureStackCredentials(stateDir);
      const planned = loadConfig(stackEnv, { stateDir, listen: lan.hostAddress });
      const workers = [
        startMachineWorker(a, planned, `mma-${RUN}`),
        startMachineWorker(b, planned, `mmb-${RUN}`),
      ];
      homes.push(...workers.map((w) => w.home));
      const up = await cli("stack", "up", "--listen", lan.hostAddress);
      phase("stack up");
      expect(up.stderr).toContain(`listening on ${lan.hostAddress}: reachable from other machines`);
      expect(up.stderr).toContain("WARNING: the Temporal dev server has NO authentication");
      // No flag: the address comes from what `stack up` recorded.
      const config = loadConfig(stackEnv, { stateDir });
      expect(config.temporal.address).toBe(planned.temporal.address);
      expect(config.temporal.address).toBe(`${lan.hostAddress}:${ports.temporal.port}`);
      expect(config.s3.endpoint).toBe(`http://${lan.hostAddress}:${ports.minio.port}`);
      // `stack status` finds the servers on the recorded address (probes may time out under load).
      await waitFor(
        "`stack status` healthy on the LAN address",
        async () => {
          const out = await runCli(["--state-dir", stateDir, "stack", "status", "--json"], {
            env: stackEnv,
          });
          const status = JSON.parse(out.stdout || "[]") as { healthy: boolean; url: string }[];
          const ok = status.length === 4 && status.every((s) => s.healthy);
          return ok && status.every((s) => s.url.includes(lan!.hostAddress)) ? true : undefined;
        },
        60_000,
      );
      expect(canConnectFrom(a.ns, lan.hostAddress, ports.temporal.port)).toBe(true);
      // The dev server itself listens on the host's loopback, which no machine shares.
      expect(canConnectFrom(a.ns, "127.0.0.1", ports.temporal.port)).toBe(false);
      expect(canConnectFrom(b.ns, lan.hostAddress, ports.minio.port)).toBe(true);

      const entries = await waitFor(
        "both machines' workers in `hypersweep workers`",
        async () => {
          const live = (await liveWorkers()).filter((e) => e.pool === POOL);
          return live.length === 2 ? live : undefined;
        },
        120_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${workers.map((w) => w.stderr()).join("\n")}`);
      });
      const instance = (m: Machine) => {
        const entry = entries.find((e) => new URL(e.metricsUrl).hostname === m.address);
        expect(entry, `a registry entry advertising ${m.address}`).toBeDefined();
        return new URL(entry!.metricsUrl).host;
      };
      const instances = [instance(a), instance(b)];
      phase("both workers registered");
      const api = prometheusApi(config.prometheus.url);
      for (const target of instances) {
        await waitFor(`Prometheus scraping ${target}`, async () => {
          const series = await api.query(`hypersweep_worker_slots{instance="${target}"}`);
          return series[0]?.value?.[1] === String(SLOTS) ? true : undefined;
        });
      }

      phase("both workers scraped");
      client = await SweepClient.connect(config);
      orchestrator = startSweepWorker(config);
      const spec = await smallSweep(config, "machines", POOL, {
        epochs: EPOCHS,
        checkpointEvery: EVERY,
        maxParallel: 2 * SLOTS,
        momenta: [0, 0.3, 0.6, 0.9],
      });
      const sweepId = await startSweep(client, spec);
      // Spread over both machines, with machine a past a checkpoint and far from done.
      const victim = await waitFor("trials running on both machines", async () => {
        const running = await pendingTrials(client!, sweepId);
        const onB = running.some((t) => t.identity.startsWith(`mmb-${RUN}`) && t.epoch > 0);
        const onA = running.find(
          (t) =>
            t.identity.startsWith(`mma-${RUN}`) &&
            (t.checkpointEpoch ?? 0) >= EVERY &&
            t.epoch < EPOCHS - EVERY,
        );
        return onB ? onA : undefined;
      });
      const killed = await killMachine(a.ns);
      expect(killed.length).toBeGreaterThanOrEqual(1);
      phase(`killed machine a (pids ${killed.join(" ")})`);
      expect(pidsIn(a.ns)).toEqual([]);

      const result = await client.handle(sweepId).result();
      phase("sweep finished");
      const artefacts = await expectEachTrialAndEpochOnce(config, spec, sweepId, result, EPOCHS);
      // The killed machine's trial was retried, on the machine left.
      expect(artefacts.find((t) => t.trialId === victim.trialId)?.attempts).toBeGreaterThan(1);

      // Both machines were scraped by the stack's Prometheus while they lived.
      for (const target of instances) {
        const up = await api.query(`max_over_time(up{instance="${target}"}[10m])`);
        expect(
          up.map((s) => s.value?.[1]),
          target,
        ).toEqual(["1"]);
        const epochs = await api.query(
          `max_over_time(hypersweep_trial_epoch{instance="${target}"}[10m])`,
        );
        expect(epochs.length, `hypersweep_trial_epoch of ${target}`).toBeGreaterThan(0);
      }
    } finally {
      await orchestrator?.stop();
      await client?.close();
      for (const m of lan?.machines ?? []) await killMachine(m.ns);
      // Before the LAN goes: the servers are bound to its address.
      await cli("stack", "down").catch(() => undefined);
      await lan?.destroy();
      for (const home of homes) rmSync(home, { recursive: true, force: true });
      recordLeft = existsSync(join(stateDir, STACK_STATE_FILE));
      rmSync(stateDir, { recursive: true, force: true });
      phase("cleaned up");
    }
    expect(recordLeft, "stack down forgets the recorded address").toBe(false);
  }, 420_000);
});
