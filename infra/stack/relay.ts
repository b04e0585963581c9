import { connect, createServer, type Server, type Socket } from "node:net";

/** One TCP relay: connections accepted on `listen` are piped to `to` (both `host:port`). */
export interface RelaySpec {
  listen: string;
  to: string;
}

/** `10.0.0.5:7233=127.0.0.1:7233` (the discovery server's `--relay` flag) as a RelaySpec. */
export function parseRelay(text: string): RelaySpec {
  const [listen, to, ...rest] = text.split("=");
  if (!listen || !to || rest.length > 0 || !splitHostPort(listen) || !splitHostPort(to)) {
    throw new Error(`--relay ${text}: expected LISTEN_HOST:PORT=TARGET_HOST:PORT`);
  }
  return { listen, to };
}

export const formatRelay = (r: RelaySpec) => `${r.listen}=${r.to}`;

function splitHostPort(hostPort: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hostPort);
  const port = Number(match?.[2]);
  return match?.[1] && Number.isInteger(port) && port > 0 && port < 65536
    ? { host: match[1], port }
    : undefined;
}

/**
 * Starts the relays, resolving once every one listens. A connection whose target refuses is
 * closed (the client retries, as it would against the server itself). `close()` stops them all.
 */
export async function startRelays(specs: RelaySpec[]): Promise<{ close(): Promise<void> }> {
  const servers: Server[] = [];
  // Long-lived gRPC streams would hold `close()` open: they are cut when the relay stops.
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  };
  for (const spec of specs) {
    const from = splitHostPort(spec.listen)!;
    const to = splitHostPort(spec.to)!;
    // Half-open both ways: each direction ends on its own, as it would on a direct connection.
    const server = createServer({ allowHalfOpen: true }, (inbound) => {
      const outbound = connect({ port: to.port, host: to.host, allowHalfOpen: true });
      track(inbound);
      track(outbound);
      inbound.pipe(outbound).pipe(inbound);
      inbound.on("error", () => outbound.destroy());
      outbound.on("error", () => inbound.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: from.host, port: from.port, exclusive: true }, resolve);
    });
    servers.push(server);
  }
  return {
    async close() {
      const closed = servers.map((s) => new Promise((resolve) => s.close(resolve)));
      for (const socket of open) socket.destroy();
      await Promise.all(closed);
    },
  };
}
