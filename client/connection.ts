import { readFile } from "node:fs/promises";
import { Connection } from "@temporalio/client";
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

/** Address, TLS and API key for a Temporal connection; clients and workers share them. */
export async function connectionOptions(config: TemporalConfig) {
  return {
    address: config.address,
    ...(await tlsOptions(config)),
    ...(config.apiKey ? { apiKey: config.apiKey.reveal() } : {}),
  };
}

/**
 * A client connection to Temporal (local dev server, a cluster, or Temporal Cloud).
 *
 * @example
 * const connection = await connectClient(loadConfig(process.env).temporal);
 */
export async function connectClient(config: TemporalConfig): Promise<Connection> {
  return Connection.connect({ ...(await connectionOptions(config)), connectTimeout: "30s" });
}
