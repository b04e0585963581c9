import { ConfigError, TransientError } from "../errors";

/** A worker cannot start and restarting it would not help (taken port, refused credentials). */
export class WorkerStartError extends ConfigError {}

/** The worker waited its whole `--connect-timeout` for a server that never answered. */
export class ConnectTimeoutError extends TransientError {}

/**
 * The one message for taken /metrics ports, whichever process finds them: the lowest taken port
 * first (so the message does not depend on which training process lost the race), then the
 * others, then the flag that chose them.
 */
export function metricsPortTakenError(
  taken: number[],
  host: string,
  flag: string,
): WorkerStartError {
  const [first, ...others] = [...taken].sort((a, b) => a - b);
  const also =
    others.length > 0 ? ` (so ${others.length === 1 ? "is" : "are"} ${others.join(", ")})` : "";
  return new WorkerStartError(
    `metrics port ${first} on ${host} is already in use${also} (${flag}; training process i uses port+i): stop the process holding it, choose other ports, or pass --metrics-port 0 for free ones`,
  );
}
