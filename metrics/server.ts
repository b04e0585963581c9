import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import type { Registry } from "prom-client";

export interface MetricsServerOptions {
  registry: Registry;
  /** Bind address; default loopback so a laptop worker exposes nothing. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

export interface MetricsServer {
  /** e.g. `http://127.0.0.1:9464/metrics` */
  url: string;
  port: number;
  close(): Promise<void>;
}

async function handle(registry: Registry, req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
  } else if (path === "/metrics") {
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType });
    res.end(req.method === "HEAD" ? undefined : body);
  } else if (path === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
  } else {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  }
}

/**
 * Serves `registry` at `GET /metrics` (and `GET /healthz`) with node:http.
 *
 * @example
 * const server = await startMetricsServer({ registry: metrics.registry, port: 9464 });
 * // ... on shutdown
 * await server.close();
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    handle(options.registry, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`metrics collection failed: ${String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive scrapers would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

function portTaken(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once("error", () => resolve(true));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/** The ports of `ports` that something on `host` already listens on (checked one at a time). */
export async function takenPorts(ports: number[], host = "127.0.0.1"): Promise<number[]> {
  const taken: number[] = [];
  for (const port of ports) if (await portTaken(port, host)) taken.push(port);
  return taken;
}
