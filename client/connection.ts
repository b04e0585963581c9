import { readFile } from "node:fs/promises";
import { Connection, type TLSConfig } from "@temporalio/client";
import type { TemporalConfig } from "../config";
import { ConfigError } from "../errors";

/** Reads a TLS file, naming the variable that points at it when it cannot be read. */
async function readTlsFile(path: string, variable: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(`${variable}=${path}: cannot read the file (${code})`);
  }
}

/** The SDK's TLS options (shared by the client's and the worker's connections). */
export async function tlsOptions(config: TemporalConfig): Promise<{ tls?: TLSConfig | true }> {
  const tls = config.tls;
  // An API key (Temporal Cloud) implies TLS, with the system's CAs.
  if (!tls) return config.apiKey ? { tls: true } : {};
  const [crt, key, ca] = await Promise.all([
    tls.certPath ? readTlsFile(tls.certPath, "TEMPORAL_TLS_CERT_PATH") : undefined,
    tls.keyPath ? readTlsFile(tls.keyPath, "TEMPORAL_TLS_KEY_PATH") : undefined,
    tls.caPath ? readTlsFile(tls.caPath, "TEMPORAL_TLS_CA_PATH") : undefined,
  ]);
  return {
    tls: {
      ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      ...(ca ? { serverRootCACertificate: ca } : {}),
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    },
  };
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
