import { connectHost, type HypersweepConfig, isLoopback } from "../../config";
import { SERVICES } from "./services";
import { SERVICE_NAMES } from "./types";

/** What `stack up` tells its user about the addresses it serves on. */
export interface Exposure {
  /** One line per server: its label and every `host:port (role)` it listens on. */
  lines: string[];
  /** Empty on loopback; else what the exposed servers do and do not protect. */
  warnings: string[];
}

/**
 * The servers' listening addresses and, when they are reachable from other machines, what each
 * protects: MinIO wants its keys, the Temporal dev server and Prometheus want nothing.
 *
 * @example
 * for (const line of describeExposure(config).warnings) console.error(line);
 */
export function describeExposure(config: HypersweepConfig): Exposure {
  const host = config.stack.host;
  const shown = host === "0.0.0.0" || host === "::" ? `${host} (every interface)` : host;
  const dial = connectHost(host);
  const lines = SERVICE_NAMES.map((name) => {
    const def = SERVICES[name];
    const ports = def.ports(config).map((p) => `${dial}:${p.port} (${p.role})`);
    return `${def.label.padEnd(17)}${ports.join(", ")}`;
  });
  if (isLoopback(host)) {
    return {
      lines: [`listening on ${shown} only: reachable from this machine`, ...lines],
      warnings: [],
    };
  }
  const temporal = `${dial}:${config.temporal.port}`;
  return {
    lines: [`listening on ${shown}: reachable from other machines`, ...lines],
    warnings: [
      `WARNING: the Temporal dev server has NO authentication: anyone who can reach ${temporal} ` +
        `(or its Web UI on port ${config.temporal.uiPort}) can start, read, signal and terminate ` +
        "workflows in every namespace. Expose it only on a network you trust; for anything else " +
        "use a Temporal cluster with mTLS or Temporal Cloud (TEMPORAL_ADDRESS, TEMPORAL_TLS_*, " +
        "TEMPORAL_API_KEY; README: Running on several machines).",
      `MinIO on ${dial}:${config.minio.port} asks for the keys in ${config.stateDir}/minio-credentials.json ` +
        "(plain HTTP: they cross the network unencrypted); Prometheus and the discovery server " +
        "answer anyone, read-only.",
    ],
  };
}
