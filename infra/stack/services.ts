import { join } from "node:path";
import { Connection } from "@temporalio/client";
import { connectHost, type HypersweepConfig, isLoopback, LOOPBACK } from "../../config";
import { ensureMinio } from "./install-minio";
import { ensurePrometheus } from "./install-prometheus";
import { ensureTemporalCli } from "./install-temporal";
import { ensureBucket, ensureStackCredentials } from "./minio-client";
import { serviceDir } from "./process";
import { renderPrometheusConfig } from "./prometheus-config";
import { formatRelay, type RelaySpec } from "./relay";
import { ensureSearchAttributes } from "./search-attributes";

/** The `hypersweep` executable (the discovery server is one of its hidden commands). */
const BIN = new URL("../../bin/hypersweep.js", import.meta.url).pathname;

import type { ProgressFn, ServiceName } from "./types";

/** A port, the CLI flag that changes it (named in "port in use" errors) and what it serves. */
export interface ServicePort {
  port: number;
  flag: string;
  role: string;
}

/** How to install, start and probe one server of the stack. */
export interface ServiceDefinition {
  name: ServiceName;
  label: string;
  readyTimeoutMs: number;
  /** Every port the server listens on (checked free before start, and after stop). */
  ports(config: HypersweepConfig): ServicePort[];
  url(config: HypersweepConfig): string;
  uiUrl?(config: HypersweepConfig): string;
  install(config: HypersweepConfig, progress: ProgressFn): Promise<string>;
  /** Arguments and environment of the server process. */
  command(config: HypersweepConfig): { args: string[]; env: NodeJS.ProcessEnv };
  /** Resolves undefined when ready, else a short reason. Never throws. */
  probe(config: HypersweepConfig): Promise<string | undefined>;
  /** One-time setup once ready (e.g. the bucket). */
  afterReady?(config: HypersweepConfig): Promise<void>;
}

/**
 * Servers bind `config.stack.host` (what `stack up` recorded, or is about to: loopback unless
 * `--listen`); clients on this machine dial it, the wildcard addresses as loopback.
 */
const bind = (c: HypersweepConfig) => c.stack.host;
const local = (c: HypersweepConfig) => connectHost(c.stack.host);
const hostPort = (host: string, port: number) =>
  host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;

/**
 * Where the Temporal dev server itself binds. Bound to one non-loopback address, its services
 * still dial each other on 127.0.0.1 and fail (CLI 1.9.1: matching and history unreachable), so
 * it stays on loopback (or a wildcard, which covers loopback) and the discovery process relays
 * the address asked for to it.
 */
function temporalBind(c: HypersweepConfig): string {
  const host = c.stack.host;
  return isLoopback(host) || host === "0.0.0.0" || host === "::" ? host : LOOPBACK;
}

/** The relays the discovery process runs for Temporal (gRPC and Web UI), if any. */
export function temporalRelays(c: HypersweepConfig): RelaySpec[] {
  if (temporalBind(c) === c.stack.host) return [];
  return [c.temporal.port, c.temporal.uiPort].map((port) => ({
    listen: hostPort(c.stack.host, port),
    to: hostPort(LOOPBACK, port),
  }));
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

async function httpReady(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok ? undefined : `${url} answered HTTP ${response.status}`;
  } catch (error) {
    return `${url}: ${reason(error)}`;
  }
}

const temporal: ServiceDefinition = {
  name: "temporal",
  label: "Temporal",
  readyTimeoutMs: 60_000,
  ports: (c) => [
    { port: c.temporal.port, flag: "--temporal-port", role: "gRPC" },
    { port: c.temporal.uiPort, flag: "--temporal-ui-port", role: "Web UI" },
  ],
  url: (c) => `${local(c)}:${c.temporal.port}`,
  uiUrl: (c) => `http://${local(c)}:${c.temporal.uiPort}`,
  install: ensureTemporalCli,
  command: (c) => ({
    args: [
      "server",
      "start-dev",
      "--ip",
      temporalBind(c),
      "--port",
      String(c.temporal.port),
      "--ui-port",
      String(c.temporal.uiPort),
      // SQLite on disk: workflows survive a server restart.
      "--db-filename",
      join(serviceDir(c.stateDir, "temporal"), "temporal.db"),
      "--namespace",
      c.temporal.namespace,
      "--log-level",
      "warn",
    ],
    env: process.env,
  }),
  // Readiness is what clients need: a gRPC connection that can describe the namespace.
  probe: (c) => withTemporal(c, async () => undefined),
  // The sweep workflows' search attributes, on a new database and on one from an older stack.
  async afterReady(c) {
    const problem = await withTemporal(c, async (connection) => {
      await ensureSearchAttributes(connection, c.temporal.namespace);
      return undefined;
    });
    if (problem) throw new Error(`registering search attributes: ${problem}`);
  },
};

/** Runs `use` on a fresh connection to the local Temporal (namespace checked); never throws. */
async function withTemporal(
  c: HypersweepConfig,
  use: (connection: Connection) => Promise<string | undefined>,
): Promise<string | undefined> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address: temporal.url(c), connectTimeout: 2_000 });
    await connection.workflowService.describeNamespace({ namespace: c.temporal.namespace });
    return await use(connection);
  } catch (error) {
    return reason(error);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

const minio: ServiceDefinition = {
  name: "minio",
  label: "MinIO",
  readyTimeoutMs: 30_000,
  ports: (c) => [
    { port: c.minio.port, flag: "--minio-port", role: "S3 API" },
    { port: c.minio.consolePort, flag: "--minio-console-port", role: "console" },
  ],
  url: (c) => `http://${local(c)}:${c.minio.port}`,
  uiUrl: (c) => `http://${local(c)}:${c.minio.consolePort}`,
  install: ensureMinio,
  command(c) {
    const credentials = ensureStackCredentials(c.stateDir);
    return {
      args: [
        "server",
        join(serviceDir(c.stateDir, "minio"), "data"),
        "--address",
        hostPort(bind(c), c.minio.port),
        "--console-address",
        hostPort(bind(c), c.minio.consolePort),
      ],
      // Secrets reach MinIO through its environment only, never argv (visible in ps).
      env: {
        ...process.env,
        MINIO_ROOT_USER: credentials.accessKey.reveal(),
        MINIO_ROOT_PASSWORD: credentials.secretKey.reveal(),
        MINIO_UPDATE: "off",
      },
    };
  },
  probe: (c) => httpReady(`${minio.url(c)}/minio/health/ready`),
  async afterReady(c) {
    const credentials = ensureStackCredentials(c.stateDir);
    // The local server, whatever HYPERSWEEP_S3_ENDPOINT points clients at.
    await ensureBucket({ ...c.s3, endpoint: minio.url(c), ...credentials });
  },
};

const prometheus: ServiceDefinition = {
  name: "prometheus",
  label: "Prometheus",
  readyTimeoutMs: 30_000,
  ports: (c) => [{ port: c.prometheus.port, flag: "--prometheus-port", role: "web and API" }],
  url: (c) => `http://${local(c)}:${c.prometheus.port}`,
  install: (_c, progress) => ensurePrometheus(progress),
  command: (c) => ({
    args: [
      `--config.file=${renderPrometheusConfig(c)}`,
      `--storage.tsdb.path=${join(serviceDir(c.stateDir, "prometheus"), "data")}`,
      `--web.listen-address=${hostPort(bind(c), c.prometheus.port)}`,
      // Lets tests and operators reload the config (POST /-/reload) without a restart.
      "--web.enable-lifecycle",
    ],
    env: process.env,
  }),
  probe: (c) => httpReady(`${prometheus.url(c)}/-/ready`),
};

/**
 * A hypersweep process serving Prometheus HTTP SD from the bucket's worker registry, so a
 * worker on any machine is scraped without a file copied. A separate server (not a loop in
 * `stack up`, which exits) that `stack up/down/status` manage like the others.
 */
const discovery: ServiceDefinition = {
  name: "discovery",
  label: "Worker discovery",
  readyTimeoutMs: 30_000,
  ports: (c) => [
    { port: c.prometheus.discoveryPort, flag: "HYPERSWEEP_DISCOVERY_PORT", role: "HTTP SD" },
    ...temporalRelays(c).map((r) => ({
      port: Number(r.listen.split(":").pop()),
      flag: "--temporal-port / --temporal-ui-port",
      role: `relay to Temporal ${r.to}`,
    })),
  ],
  url: (c) => `http://${local(c)}:${c.prometheus.discoveryPort}/sd`,
  install: async () => process.execPath,
  command: (c) => ({
    args: [
      BIN,
      "--state-dir",
      c.stateDir,
      "discovery",
      "--host",
      bind(c),
      "--port",
      String(c.prometheus.discoveryPort),
      ...temporalRelays(c).flatMap((r) => ["--relay", formatRelay(r)]),
    ],
    env: process.env,
  }),
  probe: (c) => httpReady(`http://${local(c)}:${c.prometheus.discoveryPort}/healthz`),
};

/** The stack's servers, in start order. */
export const SERVICES: Record<ServiceName, ServiceDefinition> = {
  temporal,
  minio,
  discovery,
  prometheus,
};
