import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";

/** S3 silent for this long on a busy connection: treated as down (retried like a refused one). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

/** What a request on a silent connection fails with: a transient code `outage.ts` retries. */
export class RequestTimeoutError extends Error {
  override name = "RequestTimeoutError";
  readonly code = "ETIMEDOUT";
}

function arm(socket: Socket, ms: number, endpoint: string): void {
  socket.setTimeout(ms);
  socket.on("timeout", () =>
    socket.destroy(
      new RequestTimeoutError(`no answer from S3 at ${endpoint} for ${Math.round(ms / 1000)} s`),
    ),
  );
}

/**
 * A keep-alive agent whose sockets are destroyed after `ms` without a byte either way. minio-js
 * sets no timeout of its own, so a store that stops answering without closing the connection
 * (a frozen process, a dropped route) would otherwise hang the request, and with it the trial,
 * forever; destroyed, the request fails with ETIMEDOUT and the caller's outage policy waits it
 * out. The timeout is the agent's own option too, so Node keeps it on reused and idle sockets.
 */
export function deadlineAgent(url: URL, ms: number): http.Agent {
  const Base = url.protocol === "https:" ? https.Agent : http.Agent;
  const agent = new Base({ keepAlive: true, timeout: ms });
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = create(options, callback);
    if (socket) arm(socket as Socket, ms, url.host);
    return socket;
  };
  return agent;
}
