import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ConfigError } from "../errors";
import { Secret } from "./secret";

export { Secret } from "./secret";

/** Where `stack up` keeps the generated MinIO root credentials (mode 0600). */
export const CREDENTIALS_FILE = "minio-credentials.json";

/** Where `stack up` records the address its servers listen on, for every later command. */
export const STACK_STATE_FILE = "stack.json";

/** The local stack's servers bind loopback unless told otherwise (`stack up --listen`). */
export const LOOPBACK = "127.0.0.1";

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
  TEMPORAL_TLS_CA_PATH: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  TEMPORAL_CLI_PATH: optionalText,
  HYPERSWEEP_LISTEN: optionalText.refine((v) => v === undefined || isIP(v) !== 0, {
    message: "must be an IP address (e.g. 127.0.0.1, 0.0.0.0, 10.0.0.5 or ::1)",
  }),
  HYPERSWEEP_TEMPORAL_PORT: port.default(7233),
  HYPERSWEEP_TEMPORAL_UI_PORT: port.default(8233),
  HYPERSWEEP_S3_ENDPOINT: optionalText,
  HYPERSWEEP_S3_ACCESS_KEY: optionalText,
  HYPERSWEEP_S3_SECRET_KEY: optionalText,
  HYPERSWEEP_S3_REGION: z.string().default("us-east-1"),
  HYPERSWEEP_OUTAGE_BUDGET_SECONDS: z.coerce.number().positive().default(300),
  HYPERSWEEP_S3_REQUEST_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
  HYPERSWEEP_S3_HEALTH_CHECK_SECONDS: z.coerce.number().positive().default(30),
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

/** TLS to Temporal: any field set turns TLS on (an API key does too). */
export interface TemporalTlsConfig {
  /** mTLS client certificate pair (both or neither). */
  certPath?: string;
  keyPath?: string;
  /** PEM bundle of the CA(s) that signed the server's certificate (a private CA). */
  caPath?: string;
  /** The name the server's certificate must carry, when it differs from the address' host. */
  serverName?: string;
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  apiKey?: Secret;
  tls?: TemporalTlsConfig;
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
  /** A request on a connection silent this long fails as ETIMEDOUT (an outage, waited out). */
  requestTimeoutSeconds?: number;
  /**
   * How often a polling training process re-checks its S3 keys and bucket (and after every failed
   * trial attempt); one that fails stops taking trials until the check passes again.
   */
  healthCheckSeconds?: number;
}

export interface HypersweepConfig {
  stateDir: string;
  cacheDir: string;
  /**
   * `listen`: the address asked for (`stack up --listen`, HYPERSWEEP_LISTEN), if any; `host`:
   * where this state dir's stack serves, as `stack up` recorded it, else `listen`, else
   * loopback. Clients on this machine default to `host`.
   */
  stack: { listen?: string; host: string };
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
  /** `stack up --listen`. */
  listen?: string;
  tlsCaPath?: string;
  tlsServerName?: string;
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

/** The listen address `stack up` recorded in this state dir, if a stack was started there. */
export function readStackState(stateDir: string): { listen: string } | undefined {
  const file = join(stateDir, STACK_STATE_FILE);
  if (!existsSync(file)) return undefined;
  const parsed = z
    .object({ listen: z.string().refine((v) => isIP(v) !== 0) })
    .safeParse(safeJson(readFileSync(file, "utf8")));
  if (!parsed.success) throw new ConfigError(`${file}: malformed stack state file`);
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** True for 127.0.0.0/8 and ::1: a server bound there is reachable from this machine only. */
export function isLoopback(address: string): boolean {
  return address === "::1" || (isIP(address) === 4 && address.startsWith("127."));
}

/**
 * The host a client on this machine dials to reach a server bound to `address`: the wildcard
 * addresses mean "every interface", so loopback; IPv6 literals get brackets (`[::1]:7233`).
 */
export function connectHost(address: string): string {
  if (address === "0.0.0.0") return LOOPBACK;
  const host = address === "::" ? "::1" : address;
  return isIP(host) === 6 ? `[${host}]` : host;
}

function temporalTls(
  e: z.infer<typeof EnvSchema>,
  overrides: ConfigOverrides,
): TemporalTlsConfig | undefined {
  if ((e.TEMPORAL_TLS_CERT_PATH === undefined) !== (e.TEMPORAL_TLS_KEY_PATH === undefined)) {
    throw new ConfigError("TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together");
  }
  const tls: TemporalTlsConfig = {
    ...(e.TEMPORAL_TLS_CERT_PATH && e.TEMPORAL_TLS_KEY_PATH
      ? { certPath: e.TEMPORAL_TLS_CERT_PATH, keyPath: e.TEMPORAL_TLS_KEY_PATH }
      : {}),
    ...((overrides.tlsCaPath ?? e.TEMPORAL_TLS_CA_PATH)
      ? { caPath: overrides.tlsCaPath ?? e.TEMPORAL_TLS_CA_PATH }
      : {}),
    ...((overrides.tlsServerName ?? e.TEMPORAL_TLS_SERVER_NAME)
      ? { serverName: overrides.tlsServerName ?? e.TEMPORAL_TLS_SERVER_NAME }
      : {}),
  };
  return Object.keys(tls).length > 0 ? tls : undefined;
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
  if (overrides.listen !== undefined && isIP(overrides.listen) === 0) {
    throw new ConfigError(
      `--listen ${overrides.listen}: must be an IP address (e.g. 127.0.0.1, 0.0.0.0, 10.0.0.5 or ::1)`,
    );
  }
  const listen = overrides.listen ?? e.HYPERSWEEP_LISTEN;
  const stackHost = readStackState(stateDir)?.listen ?? listen ?? LOOPBACK;
  const local = connectHost(stackHost);
  const tls = temporalTls(e, overrides);
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
    stack: { ...(listen ? { listen } : {}), host: stackHost },
    temporal: {
      address: overrides.temporalAddress ?? e.TEMPORAL_ADDRESS ?? `${local}:${temporalPort}`,
      namespace: overrides.namespace ?? e.TEMPORAL_NAMESPACE ?? "default",
      ...(e.TEMPORAL_API_KEY ? { apiKey: new Secret(e.TEMPORAL_API_KEY) } : {}),
      ...(tls ? { tls } : {}),
      ...(e.TEMPORAL_CLI_PATH ? { cliPath: e.TEMPORAL_CLI_PATH } : {}),
      port: temporalPort,
      uiPort: overrides.temporalUiPort ?? e.HYPERSWEEP_TEMPORAL_UI_PORT,
    },
    s3: {
      endpoint: overrides.s3Endpoint ?? e.HYPERSWEEP_S3_ENDPOINT ?? `http://${local}:${minioPort}`,
      region: e.HYPERSWEEP_S3_REGION,
      bucket: overrides.bucket ?? e.HYPERSWEEP_BUCKET,
      outageBudgetSeconds: e.HYPERSWEEP_OUTAGE_BUDGET_SECONDS,
      requestTimeoutSeconds: e.HYPERSWEEP_S3_REQUEST_TIMEOUT_SECONDS,
      healthCheckSeconds: e.HYPERSWEEP_S3_HEALTH_CHECK_SECONDS,
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
      url: e.HYPERSWEEP_PROMETHEUS_URL ?? `http://${local}:${prometheusPort}`,
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
