import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { HypersweepConfig } from "../../config";
import { loadConfig } from "../../config";
import { stackDown, stackUp } from "../../infra/stack";

/**
 * The integration tests' own stack: its state folder and ports never collide with a user's
 * `hypersweep stack up` (7233/8233/9000/9001/9090).
 */
// HYPERSWEEP_TEST_STACK_OFFSET=N gives a second, independent test stack (ports +N, own folder),
// so failure tests that stop servers never disturb another run on the same machine.
const OFFSET = Number(process.env.HYPERSWEEP_TEST_STACK_OFFSET ?? 0);
const port = (p: number) => String(p + OFFSET);
const TEST_ENV = {
  HYPERSWEEP_STATE_DIR: resolve(OFFSET ? `.hypersweep-test-${OFFSET}` : ".hypersweep-test"),
  HYPERSWEEP_TEMPORAL_PORT: port(17233),
  HYPERSWEEP_TEMPORAL_UI_PORT: port(18233),
  TEMPORAL_ADDRESS: `127.0.0.1:${port(17233)}`,
  TEMPORAL_NAMESPACE: "default",
  HYPERSWEEP_MINIO_PORT: port(19000),
  HYPERSWEEP_MINIO_CONSOLE_PORT: port(19001),
  HYPERSWEEP_S3_ENDPOINT: `http://127.0.0.1:${port(19000)}`,
  HYPERSWEEP_PROMETHEUS_PORT: port(19090),
  HYPERSWEEP_PROMETHEUS_URL: `http://127.0.0.1:${port(19090)}`,
  HYPERSWEEP_DISCOVERY_PORT: port(19099),
};

/** Settings from the developer's shell that would point tests at another server. */
const CLEARED = [
  "HYPERSWEEP_S3_ACCESS_KEY",
  "HYPERSWEEP_S3_SECRET_KEY",
  "HYPERSWEEP_PROMETHEUS_SD_DIR",
  "TEMPORAL_API_KEY",
  "TEMPORAL_TLS_CERT_PATH",
  "TEMPORAL_TLS_KEY_PATH",
  "TEMPORAL_TLS_CA_PATH",
  "TEMPORAL_TLS_SERVER_NAME",
  "HYPERSWEEP_LISTEN",
];

/**
 * Vitest global setup: starts the real stack once per run and exports its settings through
 * process.env, which the forked test processes inherit, so `loadConfig()` in a test returns
 * the test stack. Stopped afterwards unless HYPERSWEEP_KEEP_STACK=1 (faster reruns), and
 * never while another live test run still holds a lease on it (shared checkouts).
 */
export default async function setup(): Promise<() => Promise<void>> {
  for (const name of CLEARED) delete process.env[name];
  Object.assign(process.env, TEST_ENV);
  const config = loadConfig(process.env);
  const lease = takeLease(config);
  const started = Date.now();
  await upWithOneRetry(config);
  process.stderr.write(`[test stack] up in ${Date.now() - started} ms (${config.stateDir})\n`);
  return async () => {
    rmSync(lease, { force: true });
    if (process.env.HYPERSWEEP_KEEP_STACK === "1" || otherLiveLeases(config) > 0) return;
    await stackDown(config);
  };
}

async function upWithOneRetry(config: HypersweepConfig): Promise<void> {
  const onProgress = (line: string) => process.stderr.write(`[test stack] ${line}\n`);
  try {
    await stackUp(config, { onProgress });
  } catch (error) {
    // Another run starting the same stack at the same instant wins the ports; then it is ours too.
    onProgress(`retrying once: ${error instanceof Error ? error.message : String(error)}`);
    await sleep(3_000);
    await stackUp(config, { onProgress });
  }
}

function leaseDir(config: HypersweepConfig): string {
  return join(config.stateDir, "leases");
}

/** One file per running test process, named by pid: teardown stops the stack only when last. */
function takeLease(config: HypersweepConfig): string {
  mkdirSync(leaseDir(config), { recursive: true });
  const file = join(leaseDir(config), String(process.pid));
  writeFileSync(file, new Date().toISOString());
  return file;
}

function otherLiveLeases(config: HypersweepConfig): number {
  return readdirSync(leaseDir(config)).filter((name) => {
    try {
      process.kill(Number(name), 0);
      return true;
    } catch {
      rmSync(join(leaseDir(config), name), { force: true }); // a crashed run's lease
      return false;
    }
  }).length;
}
