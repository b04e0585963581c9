import { createServer } from "node:net";
import { networkInterfaces } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { runCommand } from "./exec";

/**
 * True when another server holds host:port right now. An address this machine does not have
 * (EADDRNOTAVAIL) holds nothing: `stack up` checks the address itself first.
 */
export function isPortInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code !== "EADDRNOTAVAIL"));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(false));
    });
  });
}

/** Waits until every port is free again (after a stop); false when `ms` ran out. */
export async function waitPortsFree(
  ports: number[],
  ms = 10_000,
  host = "127.0.0.1",
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const busy = await Promise.all(ports.map((p) => isPortInUse(p, host)));
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

/** Undefined when this machine can bind `address` (one of its own, or a wildcard), else why not. */
export function unavailableAddress(address: string): string | undefined {
  if (address === "0.0.0.0" || address === "::") return undefined;
  const own = Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((i) => i.address),
  );
  if (own.includes(address)) return undefined;
  return `${address} is not an address of this machine (it has ${own.join(", ")}); pass one of those, or 0.0.0.0 for every interface`;
}
