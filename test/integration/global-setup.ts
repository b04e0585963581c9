import { resolve } from "node:path";
import { loadConfig } from "../../config";
import { stackDown, stackUp } from "../../infra/stack";

/**
 * The integration tests' own stack: its state folder and ports never collide with a user's
 * `hypersweep stack up` (7233/8233/9000/9001/9090).
 */
const TEST_ENV = {
  HYPERSWEEP_STATE_DIR: resolve(".hypersweep-test"),
  HYPERSWEEP_TEMPORAL_PORT: "17233",
  HYPERSWEEP_TEMPORAL_UI_PORT: "18233",
  TEMPORAL_ADDRESS: "127.0.0.1:17233",
  TEMPORAL_NAMESPACE: "default",
  HYPERSWEEP_MINIO_PORT: "19000",
  HYPERSWEEP_MINIO_CONSOLE_PORT: "19001",
  HYPERSWEEP_S3_ENDPOINT: "http://127.0.0.1:19000",
  HYPERSWEEP_PROMETHEUS_PORT: "19090",
  HYPERSWEEP_PROMETHEUS_URL: "http://127.0.0.1:19090",
};

/** Settings from the developer's shell that would point tests at another server. */
const CLEARED = [
  "HYPERSWEEP_S3_ACCESS_KEY",
  "HYPERSWEEP_S3_SECRET_KEY",
  "HYPERSWEEP_PROMETHEUS_SD_DIR",
  "TEMPORAL_API_KEY",
  "TEMPORAL_TLS_CERT_PATH",
  "TEMPORAL_TLS_KEY_PATH",
];

/**
 * Vitest global setup: starts the real stack once per run and exports its settings through
 * process.env, which the forked test processes inherit, so `loadConfig()` in a test returns
 * the test stack. Stopped afterwards unless HYPERSWEEP_KEEP_STACK=1 (faster reruns).
 */
export default async function setup(): Promise<() => Promise<void>> {
  for (const name of CLEARED) delete process.env[name];
  Object.assign(process.env, TEST_ENV);
  const config = loadConfig(process.env);
  const started = Date.now();
  await stackUp(config, {
    onProgress: (line) => process.stderr.write(`[test stack] ${line}\n`),
  });
  process.stderr.write(`[test stack] up in ${Date.now() - started} ms (${config.stateDir})\n`);
  return async () => {
    if (process.env.HYPERSWEEP_KEEP_STACK === "1") return;
    await stackDown(config);
  };
}
