import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OWNER_LABEL } from "../../metrics";
import {
  RUN,
  spawnWorker,
  stopChild,
  testConfig,
  testWorkerArgv,
  waitFor,
} from "./support/harness";

const config = testConfig();
const sdDir = config.prometheus.sdDir;
type Spawned = ReturnType<typeof spawnWorker>;
const started: Spawned[] = [];

afterAll(async () => {
  await Promise.all(started.map((w) => stopChild(w.child, "SIGKILL")));
});

/** A training-only worker process on `pool` (wasm, free ports unless `extra` says otherwise). */
function worker(pool: string, id: string, extra: string[]): Spawned {
  const w = spawnWorker(testWorkerArgv(pool, ["--no-sweeps", "--worker-id", id, ...extra]));
  started.push(w);
  return w;
}

interface Target {
  id: string;
  port: number;
  pool: string;
  pid: number;
}

/** The file_sd targets whose worker id starts with `prefix`. */
async function targets(prefix: string): Promise<Target[]> {
  const found: Target[] = [];
  for (const name of await readdir(sdDir).catch(() => [])) {
    if (!name.startsWith(prefix) || !name.endsWith(".json")) continue;
    const text = await readFile(join(sdDir, name), "utf8").catch(() => "[]");
    const [group] = JSON.parse(text) as { targets: string[]; labels: Record<string, string> }[];
    if (!group) continue;
    found.push({
      id: name.slice(0, -".json".length),
      port: Number(group.targets[0]?.split(":").at(-1)),
      pool: group.labels.pool ?? "",
      pid: Number(group.labels[OWNER_LABEL]?.split("/")[1]),
    });
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

const waitTargets = (prefix: string, n: number) =>
  waitFor(`${n} targets ${prefix}*`, async () => {
    const found = await targets(prefix);
    return found.length === n ? found : undefined;
  });

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function listen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/** Two consecutive free ports (process i of a worker uses port+i). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const first = await listen(0);
    if (first && first < 65535 && (await listen(first + 1))) return first;
  }
}

/** The exit code, once the process has exited and its stderr is read to the end ("close"). */
const exited = (w: Spawned) =>
  new Promise<number | null>((resolve) => {
    if (w.child.exitCode !== null && w.child.stderr?.readableEnded) resolve(w.child.exitCode);
    else w.child.once("close", (code) => resolve(code));
  });

describe("worker processes: parents, ports, discovery", () => {
  let ports = 0;
  let holder: Spawned | undefined;

  it("--pool worker keeps its value; kill -9 of a worker takes its children; a new worker reuses the ports cleanly", async () => {
    ports = await freePortPair();
    const flags = ["--concurrency", "2", "--metrics-port", String(ports)];
    const first = worker("worker", `lc-a-${RUN}`, flags);
    const children = await waitTargets(`lc-a-${RUN}-`, 2);
    // The children got the pool's name, not the next token on the command line.
    expect(children.map((t) => [t.pool, t.port])).toEqual([
      ["worker", ports],
      ["worker", ports + 1],
    ]);
    expect(children.every((t) => t.pid !== first.child.pid && isAlive(t.pid))).toBe(true);

    first.child.kill("SIGKILL");
    await exited(first);
    await waitFor(
      "the children to exit",
      async () => (children.some((t) => isAlive(t.pid)) ? undefined : true),
      5_000,
    );
    expect(await targets(`lc-a-${RUN}-`)).toEqual([]);

    holder = worker("worker", `lc-b-${RUN}`, flags);
    const again = await waitTargets(`lc-b-${RUN}-`, 2);
    expect(again.map((t) => t.port)).toEqual([ports, ports + 1]);
    const scrape = await fetch(`http://127.0.0.1:${ports + 1}/metrics`);
    expect(await scrape.text()).toContain(`worker="lc-b-${RUN}-1"`);
    expect(holder.child.exitCode).toBeNull();
    expect(holder.stderr()).not.toMatch(/exited|restarting|EADDRINUSE/);
  });

  it("a second worker on the same --metrics-port fails fast, naming the port and the flag", async () => {
    expect(holder?.child.exitCode).toBeNull();
    const second = worker(`lc-clash-${RUN}`, `lc-c-${RUN}`, [
      "--concurrency",
      "2",
      "--metrics-port",
      String(ports),
    ]);
    expect(await exited(second)).toBe(2);
    // Both ports are held: the message names the lowest, then the other, then the flag.
    expect(second.stderr()).toContain(`metrics port ${ports} on 127.0.0.1 is already in use`);
    expect(second.stderr()).toContain(`(so is ${ports + 1})`);
    expect(second.stderr()).toContain(`--metrics-port ${ports}`);
    expect(second.stderr()).not.toMatch(/restarting/);
    expect(await targets(`lc-c-${RUN}-`)).toEqual([]);
  });

  it("a taken second port is named too, whichever training process would have lost the race", async () => {
    const first = await freePortPair();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(first + 1, "127.0.0.1", resolve));
    try {
      const w = worker(`lc-clash2-${RUN}`, `lc-f-${RUN}`, [
        "--concurrency",
        "2",
        "--metrics-port",
        String(first),
      ]);
      expect(await exited(w)).toBe(2);
      expect(w.stderr()).toContain(`metrics port ${first + 1} on 127.0.0.1 is already in use`);
      expect(w.stderr()).toContain(`--metrics-port ${first}`);
      expect(w.stderr()).not.toMatch(/restarting/);
      expect(await targets(`lc-f-${RUN}-`)).toEqual([]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("--metrics-port 0 takes free ports and registers the ports it bound", async () => {
    worker(`lc-free-${RUN}`, `lc-d-${RUN}`, ["--concurrency", "2", "--metrics-port", "0"]);
    const found = await waitTargets(`lc-d-${RUN}-`, 2);
    for (const [i, t] of found.entries()) {
      expect(t.port).toBeGreaterThan(0);
      const text = await (await fetch(`http://127.0.0.1:${t.port}/metrics`)).text();
      expect(text).toContain(`worker="lc-d-${RUN}-${i}"`);
    }
  });

  it("a worker killed with -9 leaves no scrape target behind", async () => {
    const victim = worker(`lc-kill-${RUN}`, `lc-e-${RUN}`, ["--concurrency", "1"]);
    const [target] = await waitTargets(`lc-e-${RUN}-`, 1);
    await waitFor("Prometheus to scrape the victim", () => activeTarget(`lc-e-${RUN}-0`));
    victim.child.kill("SIGKILL");
    await exited(victim);
    expect(isAlive(target!.pid)).toBe(false);
    // The live workers' heartbeats prune it; Prometheus then drops it.
    await waitFor("the target file to go", async () =>
      (await targets(`lc-e-${RUN}-`)).length === 0 ? true : undefined,
    );
    await waitFor("Prometheus to drop the target", async () =>
      (await activeTarget(`lc-e-${RUN}-0`)) ? undefined : true,
    );
  });
});

/** Prometheus' active target for a worker id, if it has one. */
async function activeTarget(worker: string): Promise<true | undefined> {
  const res = await fetch(`${config.prometheus.url}/api/v1/targets?state=active`);
  const body = (await res.json()) as {
    data: { activeTargets: { labels: Record<string, string> }[] };
  };
  return body.data.activeTargets.some((t) => t.labels.worker === worker) ? true : undefined;
}
