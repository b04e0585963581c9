import { ConfigError, TransientError } from "../errors";

/** A worker cannot start and restarting it would not help (taken port, refused credentials). */
export class WorkerStartError extends ConfigError {}

/** The worker waited its whole `--connect-timeout` for a server that never answered. */
export class ConnectTimeoutError extends TransientError {}
