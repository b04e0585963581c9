import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ConfigError } from "../errors";
import { Secret } from "./secret";

export { Secret } from "./secret";

/** Where `stack up` keeps the generated MinIO root credentials (mode 0600). */
export const CREDENTIALS_FILE = "minio-credentials.json";

const port = z.coerce.number().int().min(1).max(65535);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

const EnvSchema = z.object({
  HYPERSWEEP_STATE_DIR: optionalText,
  HYPERSWEEP_CACHE_DIR: optionalText,
  TEMPORAL_ADDRESS: optionalText,
  TEMPORAL_NAMESPACE: optionalText,
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  TEMPORAL_CLI_PATH: optionalText,
  HYPERSWEEP_TEMPORAL_PORT: port.default(7233),
  HYPERSWEEP_TEMPORAL_UI_PORT: port.default(8233),
  HYPERSWEEP_S3_ENDPOINT: optionalText,
  HYPERSWEEP_S3_ACCESS_KEY: optionalText,
  HYPERSWEEP_S3_SECRET_KEY: optionalText,
  HYPERSWEEP_S3_REGION: z.string().default("us-east-1"),
  HYPERSWEEP_OUTAGE_BUDGET_SECONDS: z.coerce.number().positive().default(300),
  HYPERSWEEP_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name")
    .default("hypersweep"),
  HYPERSWEEP_MINIO_PORT: port.default(9000),
  HYPERSWEEP_MINIO_CONSOLE_PORT: port.default(9001),
  HYPERSWEEP_PROMETHEUS_PORT: port.default(9090),
  HYPERSWEEP_PROMETHEUS_URL: optionalText,
  HYPERSWEEP_PROMETHEUS_SD_DIR: optionalText,
  HYPERSWEEP_DISCOVERY_PORT: port.default(9099),
  GRAFANA_URL: optionalText,
  GRAFANA_TOKEN: optionalText,
});

export interface TemporalConfig {
  address: string;
  namespace: string;
  apiKey?: Secret;
  tls?: { certPath: string; keyPath: string };
  /** Explicit path to the `temporal` CLI binary (stack install skips its own install). */
  cliPath?: string;
  /** Ports of the local dev server (stack). */
  port: number;
  uiPort: number;
}

export interface S3Config {
  endpoint: string;
  region: string;
  bucket: string;
  accessKey?: Secret;
  secretKey?: Secret;
  /** Longest S3 outage a training attempt waits out before failing (not spending its retries). */
  outageBudgetSeconds?: number;
}

export interface HypersweepConfig {
  stateDir: string;
  cacheDir: string;
  temporal: TemporalConfig;
  s3: S3Config;
  minio: { port: number; consolePort: number };
  /** `discoveryPort`: the stack's HTTP SD server over the bucket's worker registry. */
  prometheus: { port: number; url: string; sdDir: string; discoveryPort: number };
  grafana: { url?: string; token?: Secret };
}

/** Flags that override the environment (the CLI passes what the user gave). */
export interface ConfigOverrides {
  stateDir?: string;
  cacheDir?: string;
  temporalAddress?: string;
  namespace?: string;
  s3Endpoint?: string;
  bucket?: string;
  temporalPort?: number;
  temporalUiPort?: number;
  minioPort?: number;
  minioConsolePort?: number;
  prometheusPort?: number;
  grafanaUrl?: string;
}

/** A configuration problem, naming the variable or file at fault (errors/ holds the class). */
export { ConfigError };

function parseEnv(env: NodeJS.ProcessEnv): z.infer<typeof EnvSchema> {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid environment: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** Reads the credentials `stack up` generated, if any. */
export function readStackCredentials(
  stateDir: string,
): { accessKey: string; secretKey: string } | undefined {
  const file = join(stateDir, CREDENTIALS_FILE);
  if (!existsSync(file)) return undefined;
  const parsed = z
    .object({ accessKey: z.string().min(3), secretKey: z.string().min(8) })
    .safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new ConfigError(`${file}: malformed MinIO credentials file`);
  return parsed.data;
}

/**
 * Parses the configuration once, from the environment and CLI flags (flags win).
 * Only entry points (CLI commands, worker processes, test setup) call this.
 *
 * @example
 * const config = loadConfig(process.env, { stateDir: ".hypersweep" });
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ConfigOverrides = {},
): HypersweepConfig {
  const e = parseEnv(env);
  const stateDir = resolve(overrides.stateDir ?? e.HYPERSWEEP_STATE_DIR ?? ".hypersweep");
  const cacheDir = resolve(
    overrides.cacheDir ?? e.HYPERSWEEP_CACHE_DIR ?? join(homedir(), ".cache", "hypersweep"),
  );
  const temporalPort = overrides.temporalPort ?? e.HYPERSWEEP_TEMPORAL_PORT;
  const minioPort = overrides.minioPort ?? e.HYPERSWEEP_MINIO_PORT;
  const prometheusPort = overrides.prometheusPort ?? e.HYPERSWEEP_PROMETHEUS_PORT;
  if ((e.TEMPORAL_TLS_CERT_PATH === undefined) !== (e.TEMPORAL_TLS_KEY_PATH === undefined)) {
    throw new ConfigError("TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together");
  }
  let accessKey = e.HYPERSWEEP_S3_ACCESS_KEY;
  let secretKey = e.HYPERSWEEP_S3_SECRET_KEY;
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw new ConfigError(
      "HYPERSWEEP_S3_ACCESS_KEY and HYPERSWEEP_S3_SECRET_KEY must be set together",
    );
  }
  if (accessKey === undefined) {
    const stack = readStackCredentials(stateDir);
    accessKey = stack?.accessKey;
    secretKey = stack?.secretKey;
  }
  const grafanaToken = e.GRAFANA_TOKEN;
  return {
    stateDir,
    cacheDir,
    temporal: {
      address: overrides.temporalAddress ?? e.TEMPORAL_ADDRESS ?? `127.0.0.1:${temporalPort}`,
      namespace: overrides.namespace ?? e.TEMPORAL_NAMESPACE ?? "default",
      ...(e.TEMPORAL_API_KEY ? { apiKey: new Secret(e.TEMPORAL_API_KEY) } : {}),
      ...(e.TEMPORAL_TLS_CERT_PATH && e.TEMPORAL_TLS_KEY_PATH
        ? { tls: { certPath: e.TEMPORAL_TLS_CERT_PATH, keyPath: e.TEMPORAL_TLS_KEY_PATH } }
        : {}),
      ...(e.TEMPORAL_CLI_PATH ? { cliPath: e.TEMPORAL_CLI_PATH } : {}),
      port: temporalPort,
      uiPort: overrides.temporalUiPort ?? e.HYPERSWEEP_TEMPORAL_UI_PORT,
    },
    s3: {
      endpoint: overrides.s3Endpoint ?? e.HYPERSWEEP_S3_ENDPOINT ?? `http://127.0.0.1:${minioPort}`,
      region: e.HYPERSWEEP_S3_REGION,
      bucket: overrides.bucket ?? e.HYPERSWEEP_BUCKET,
      outageBudgetSeconds: e.HYPERSWEEP_OUTAGE_BUDGET_SECONDS,
      ...(accessKey && secretKey
        ? { accessKey: new Secret(accessKey), secretKey: new Secret(secretKey) }
        : {}),
    },
    minio: {
      port: minioPort,
      consolePort: overrides.minioConsolePort ?? e.HYPERSWEEP_MINIO_CONSOLE_PORT,
    },
    prometheus: {
      port: prometheusPort,
      url: e.HYPERSWEEP_PROMETHEUS_URL ?? `http://127.0.0.1:${prometheusPort}`,
      sdDir: resolve(e.HYPERSWEEP_PROMETHEUS_SD_DIR ?? join(stateDir, "prometheus", "targets")),
      discoveryPort: e.HYPERSWEEP_DISCOVERY_PORT,
    },
    grafana: {
      ...((overrides.grafanaUrl ?? e.GRAFANA_URL)
        ? { url: overrides.grafanaUrl ?? e.GRAFANA_URL }
        : {}),
      ...(grafanaToken ? { token: new Secret(grafanaToken) } : {}),
    },
  };
}
