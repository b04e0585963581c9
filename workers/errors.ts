import { ConfigError } from "../config";

/** A worker cannot start and restarting it would not help (taken port, refused credentials). */
export class WorkerStartError extends ConfigError {
  override name = "WorkerStartError";
}

/** The worker waited its whole `--connect-timeout` for a server that never answered. */
export class ConnectTimeoutError extends Error {
  override name = "ConnectTimeoutError";
}
