import { readFile } from "node:fs/promises";
import { Connection } from "@temporalio/client";
import { NativeConnection } from "@temporalio/worker";
import type { TemporalConfig } from "../config";

async function tlsOptions(config: TemporalConfig) {
  if (config.tls) {
    const [crt, key] = await Promise.all([
      readFile(config.tls.certPath),
      readFile(config.tls.keyPath),
    ]);
    return { tls: { clientCertPair: { crt, key } } };
  }
  // An API key (Temporal Cloud) implies TLS.
  return config.apiKey ? { tls: true as const } : {};
}

async function connectionOptions(config: TemporalConfig) {
  return {
    address: config.address,
    ...(await tlsOptions(config)),
    ...(config.apiKey ? { apiKey: config.apiKey.reveal() } : {}),
  };
}

/** A worker's connection to Temporal (local dev server, a cluster, or Temporal Cloud). */
export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(await connectionOptions(config));
}

/** A client connection, for the CLI and tests. */
export async function connectClient(config: TemporalConfig): Promise<Connection> {
  return Connection.connect({ ...(await connectionOptions(config)), connectTimeout: "30s" });
}
