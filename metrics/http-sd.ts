import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { WorkerEntry } from "../workers/registry";
import { OWNER_LABEL } from "./file-sd";

/** One Prometheus HTTP SD target group. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * The registry as Prometheus `http_sd_configs` reads it. The labels equal the worker's file_sd
 * ones, so a local worker found both ways is one target of the job, not two.
 */
export function httpSdGroups(workers: WorkerEntry[]): TargetGroup[] {
  return workers.flatMap((w) => {
    let url: URL;
    try {
      url = new URL(w.metricsUrl);
    } catch {
      return []; // a malformed entry must not break discovery of the others
    }
    const labels = { pool: w.pool, worker: w.workerId, [OWNER_LABEL]: `${w.host}/${w.pid}` };
    return [{ targets: [url.host], labels }];
  });
}

export interface DiscoveryServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /sd` (the live registry as HTTP SD JSON) and `GET /healthz`. A registry that
 * cannot be read answers 503, so Prometheus keeps its last good targets instead of dropping all.
 */
export async function startDiscoveryServer(options: {
  host: string;
  port: number;
  list: () => Promise<WorkerEntry[]>;
  log?: (line: string) => void;
}): Promise<DiscoveryServer> {
  const server: Server = createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    if (req.url !== "/sd") {
      res.writeHead(404).end();
      return;
    }
    options.list().then(
      (workers) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(httpSdGroups(workers)));
      },
      (error: unknown) => {
        options.log?.(`discovery: cannot read the worker registry: ${String(error)}`);
        res.writeHead(503, { "content-type": "text/plain" }).end("registry unreadable\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // Prometheus keeps its connection alive
      }),
  };
}
