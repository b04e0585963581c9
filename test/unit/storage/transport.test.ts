import { request } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isTransientStoreError } from "../../../storage/outage";
import { deadlineAgent, RequestTimeoutError } from "../../../storage/transport";

/** A TCP server that accepts and then never says a byte: what a frozen S3 server looks like. */
function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      resolve({ server, port: (server.address() as { port: number }).port, sockets });
    }),
  );
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe("deadlineAgent", () => {
  it("fails a request on a silent connection with a transient timeout instead of hanging", async () => {
    const { server, port, sockets } = await silentServer();
    cleanup = () => {
      for (const s of sockets) s.destroy();
      server.close();
    };
    const url = new URL(`http://127.0.0.1:${port}`);
    const agent = deadlineAgent(url, 300);
    const started = Date.now();
    const error = await new Promise<unknown>((resolve) => {
      const req = request({ host: url.hostname, port, path: "/", agent }, () =>
        resolve(new Error("answered")),
      );
      req.on("error", resolve);
      req.end();
    });
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(String((error as Error).message)).toContain(`no answer from S3 at 127.0.0.1:${port}`);
    expect(isTransientStoreError(error)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    agent.destroy();
  });
});
