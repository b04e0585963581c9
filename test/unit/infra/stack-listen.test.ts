import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { connectHost, isLoopback, loadConfig, STACK_STATE_FILE } from "../../../config";
import {
  describeExposure,
  ensureStackCredentials,
  renderPrometheusConfig,
} from "../../../infra/stack";
import { unavailableAddress } from "../../../infra/stack/ports";
import { parseRelay, startRelays } from "../../../infra/stack/relay";
import { SERVICES } from "../../../infra/stack/services";
import {
  forgetListenAddress,
  recordListenAddress,
  withListenAddress,
} from "../../../infra/stack/stack";

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), "hypersweep-listen-"));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({ HYPERSWEEP_STATE_DIR: stateDir, ...extra });

/** A pid record of this very process, so the stack counts `temporal` as running. */
function fakeRunning(name: string) {
  mkdirSync(join(stateDir, name), { recursive: true });
  const record = { pid: process.pid, binary: process.execPath, startedAt: "x", ports: [] };
  writeFileSync(join(stateDir, name, "server.pid"), JSON.stringify(record));
}

describe("the Temporal relay", () => {
  it("pipes TCP both ways and refuses malformed specs", async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const target = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const relays = await startRelays([parseRelay(`127.0.0.1:${port}=${target}`)]);
    try {
      const socket = connect(port, "127.0.0.1");
      socket.end("ping");
      const chunks: Buffer[] = [];
      for await (const chunk of socket) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe("ping");
    } finally {
      await relays.close();
      await new Promise((resolve) => echo.close(resolve));
    }
    expect(() => parseRelay("10.0.0.1:7233")).toThrow(/LISTEN_HOST:PORT=TARGET_HOST:PORT/);
    expect(() => parseRelay("10.0.0.1:x=127.0.0.1:7233")).toThrow(/--relay/);
    expect(parseRelay("[::]:7233=127.0.0.1:7233").listen).toBe("[::]:7233");
  });
});

describe("stack --listen", () => {
  it("defaults to loopback for the servers and every client address", () => {
    const config = withListenAddress(loadConfig(env()));
    expect(config.stack.host).toBe("127.0.0.1");
    expect(SERVICES.temporal.command(config).args).toEqual(
      expect.arrayContaining(["--ip", "127.0.0.1"]),
    );
    expect(SERVICES.minio.command(config).args).toEqual(
      expect.arrayContaining(["--address", "127.0.0.1:9000"]),
    );
    expect(describeExposure(config).warnings).toEqual([]);
  });

  it("binds every server to the address asked for and records it for later commands", () => {
    const asked = loadConfig(env(), { listen: "10.213.0.1" });
    expect(asked.stack).toEqual({ listen: "10.213.0.1", host: "10.213.0.1" });
    const config = withListenAddress(asked);
    recordListenAddress(config);
    expect(JSON.parse(readFileSync(join(stateDir, STACK_STATE_FILE), "utf8")).listen).toBe(
      "10.213.0.1",
    );
    // The dev server stays on loopback (bound elsewhere its services cannot reach each other);
    // the discovery process relays the address asked for to it.
    expect(SERVICES.temporal.command(config).args.join(" ")).toContain("--ip 127.0.0.1");
    expect(SERVICES.discovery.command(config).args.join(" ")).toContain(
      "--relay 10.213.0.1:7233=127.0.0.1:7233 --relay 10.213.0.1:8233=127.0.0.1:8233",
    );
    expect(SERVICES.discovery.ports(config).map((p) => p.port)).toEqual([9099, 7233, 8233]);
    expect(SERVICES.minio.command(config).args.join(" ")).toContain(
      "--address 10.213.0.1:9000 --console-address 10.213.0.1:9001",
    );
    expect(SERVICES.prometheus.command(config).args).toContain(
      "--web.listen-address=10.213.0.1:9090",
    );
    expect(SERVICES.discovery.command(config).args.join(" ")).toContain(
      "discovery --host 10.213.0.1 --port 9099",
    );
    const rendered = parse(readFileSync(renderPrometheusConfig(config), "utf8")) as {
      scrape_configs: { job_name: string; http_sd_configs?: { url: string }[] }[];
    };
    const workers = rendered.scrape_configs.find((j) => j.job_name === "hypersweep-workers");
    expect(workers?.http_sd_configs?.[0]?.url).toBe("http://10.213.0.1:9099/sd");

    // A later command with no flag finds the stack where it was started.
    const later = loadConfig(env());
    expect(later.stack.host).toBe("10.213.0.1");
    expect(later.temporal.address).toBe("10.213.0.1:7233");
    expect(later.s3.endpoint).toBe("http://10.213.0.1:9000");
    expect(later.prometheus.url).toBe("http://10.213.0.1:9090");
    expect(SERVICES.temporal.url(later)).toBe("10.213.0.1:7233");
    // The environment still wins over the recorded address.
    expect(loadConfig(env({ TEMPORAL_ADDRESS: "t.example:7233" })).temporal.address).toBe(
      "t.example:7233",
    );
    forgetListenAddress(later);
    expect(existsSync(join(stateDir, STACK_STATE_FILE))).toBe(false);
    expect(loadConfig(env()).temporal.address).toBe("127.0.0.1:7233");
  });

  it("says what is exposed and warns that the Temporal dev server has no authentication", () => {
    const keys = ensureStackCredentials(stateDir);
    const config = withListenAddress(loadConfig(env(), { listen: "0.0.0.0" }));
    const { lines, warnings } = describeExposure(config);
    expect(lines[0]).toBe("listening on 0.0.0.0 (every interface): reachable from other machines");
    expect(lines.join("\n")).toContain("127.0.0.1:7233 (gRPC), 127.0.0.1:8233 (Web UI)");
    expect(lines.join("\n")).toContain("127.0.0.1:9099 (HTTP SD)");
    expect(warnings[0]).toMatch(/Temporal dev server has NO authentication/);
    expect(warnings.join(" ")).toContain("minio-credentials.json");
    // Where the keys are, never the keys.
    expect([...lines, ...warnings].join(" ")).not.toContain(keys.secretKey.reveal());
  });

  it("keeps a running stack where it is, and refuses to move it silently", () => {
    recordListenAddress(withListenAddress(loadConfig(env(), { listen: "10.213.0.1" })));
    fakeRunning("temporal");
    // No address asked: the running stack's, whatever the default is.
    expect(withListenAddress(loadConfig(env())).stack.host).toBe("10.213.0.1");
    expect(() => withListenAddress(loadConfig(env(), { listen: "127.0.0.1" }))).toThrow(
      /running on 10\.213\.0\.1, not 127\.0\.0\.1: run `hypersweep stack down` first/,
    );
  });

  it("a stale record (no server alive) does not pin the next stack's address", () => {
    recordListenAddress(withListenAddress(loadConfig(env(), { listen: "10.213.0.1" })));
    expect(withListenAddress(loadConfig(env())).stack.host).toBe("127.0.0.1");
  });

  it("rejects an address that is not an IP, naming the flag or variable", () => {
    expect(() => loadConfig(env(), { listen: "my-host" })).toThrow(
      /--listen my-host: must be an IP/,
    );
    expect(() => loadConfig(env({ HYPERSWEEP_LISTEN: "10.0.0" }))).toThrow(/HYPERSWEEP_LISTEN/);
    expect(unavailableAddress("127.0.0.1")).toBeUndefined();
    expect(unavailableAddress("0.0.0.0")).toBeUndefined();
    expect(unavailableAddress("192.0.2.123")).toMatch(
      /^192\.0\.2\.123 is not an address of this machine \(it has .*127\.0\.0\.1/,
    );
    writeFileSync(join(stateDir, STACK_STATE_FILE), "{");
    expect(() => loadConfig(env())).toThrow(new RegExp(STACK_STATE_FILE));
  });

  it("maps wildcard and IPv6 addresses to ones a local client can dial", () => {
    expect(connectHost("0.0.0.0")).toBe("127.0.0.1");
    expect(connectHost("::")).toBe("[::1]");
    expect(connectHost("fd00::2")).toBe("[fd00::2]");
    expect(connectHost("10.1.2.3")).toBe("10.1.2.3");
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("127.1.2.3")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("0.0.0.0")).toBe(false);
    expect(isLoopback("10.213.0.1")).toBe(false);
    // A wildcard covers loopback: the dev server binds it itself, with no relay.
    const wild = withListenAddress(loadConfig(env(), { listen: "0.0.0.0" }));
    expect(SERVICES.temporal.command(wild).args.join(" ")).toContain("--ip 0.0.0.0");
    expect(SERVICES.discovery.command(wild).args).not.toContain("--relay");
    const v6 = withListenAddress(loadConfig(env(), { listen: "::" }));
    expect(SERVICES.minio.command(v6).args.join(" ")).toContain("--address [::]:9000");
    expect(v6.temporal.address).toBe("[::1]:7233");
  });

  it("`stack up --listen` with a bad address exits 2 before starting anything", async () => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(HYPERSWEEP_|TEMPORAL_)/.test(k)),
    );
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["bin/hypersweep.js", "--state-dir", stateDir, "stack", "up", "--listen", "nowhere"],
        { env: clean },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
      );
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--listen nowhere: must be an IP address");
    expect(existsSync(join(stateDir, "temporal"))).toBe(false);
  });
});
