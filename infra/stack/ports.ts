import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { runCommand } from "./exec";

/** True when nothing can bind 127.0.0.1:port right now (another server holds it). */
export function isPortInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(true));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(false));
    });
  });
}

/** Waits until every port is free again (after a stop); false when `ms` ran out. */
export async function waitPortsFree(ports: number[], ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const busy = await Promise.all(ports.map((p) => isPortInUse(p)));
    if (!busy.some(Boolean)) return true;
    await sleep(200);
  }
  return false;
}

/** Who listens on a port, e.g. `minio (pid 4242)`, when `ss` can tell; else undefined. */
export async function describeOccupant(port: number): Promise<string | undefined> {
  const { output, code } = await runCommand("ss", ["-ltnpH", `sport = :${port}`]);
  if (code !== 0) return undefined;
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(output);
  return match ? `${match[1]} (pid ${match[2]})` : undefined;
}
