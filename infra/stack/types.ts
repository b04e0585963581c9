/** The servers of the local stack, in start order (discovery: HTTP SD for Prometheus). */
export const SERVICE_NAMES = ["temporal", "minio", "discovery", "prometheus"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Receives one human-readable progress line (installs, starts, waits). */
export type ProgressFn = (message: string) => void;

/** Options shared by the stack operations. */
export interface StackOptions {
  onProgress?: ProgressFn;
}

/** What `stack status` knows about one server. */
export interface ServiceStatus {
  name: ServiceName;
  /** Main address: gRPC `host:port` for Temporal, an http URL for the others. */
  url: string;
  /** Secondary UI (Temporal Web UI, MinIO console), when the server has one. */
  uiUrl?: string;
  /** The readiness check passed just now. */
  healthy: boolean;
  /** Pid of the process `stack up` started, if it is still alive. */
  pid: number | null;
  /** The reason it is not healthy, for humans. */
  detail?: string;
}

/** A stack operation failed; the message names the server, the address and what went wrong. */
export class StackError extends Error {
  override name = "StackError";
}
