import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Client, Connection } from "@temporalio/client";
import { DefaultLogger, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config";
import {
  PROMETHEUS_TEMPLATE,
  type ServiceStatus,
  s3Client,
  stackStatus,
  stackUp,
} from "../../infra/stack";
import * as activities from "./fixtures/smoke-activities";
import { smokeWorkflow } from "./fixtures/smoke-workflows";

const run = promisify(execFile);
// Worker state changes at INFO drown the test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger("WARN") });
// The global setup exported the test stack's settings: this is the stack it started.
const config = loadConfig();

describe("the local stack (real servers)", () => {
  it("runs a trivial workflow on a worker through the real Temporal server", async () => {
    const taskQueue = `smoke-${randomUUID()}`;
    const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      const worker = await Worker.create({
        connection: nativeConnection,
        namespace: config.temporal.namespace,
        taskQueue,
        workflowsPath: fileURLToPath(new URL("./fixtures/smoke-workflows.ts", import.meta.url)),
        activities,
      });
      const client = new Client({ connection, namespace: config.temporal.namespace });
      const result = await worker.runUntil(
        client.workflow.execute(smokeWorkflow, {
          taskQueue,
          workflowId: taskQueue,
          args: ["smoke"],
        }),
      );
      expect(result).toMatch(/^hello, smoke \(from pid \d+\)$/);
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  });

  it("round-trips an object through the real MinIO", async () => {
    const s3 = s3Client(config.s3);
    expect(await s3.bucketExists(config.s3.bucket)).toBe(true);
    const key = `smoke/${randomUUID()}.bin`;
    const body = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
    try {
      await s3.putObject(config.s3.bucket, key, body, body.length);
      const stream = await s3.getObject(config.s3.bucket, key);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(body)).toBe(true);
    } finally {
      await s3.removeObject(config.s3.bucket, key);
    }
  });

  it("scrapes a target registered through the file_sd folder and answers PromQL for it", async () => {
    const runId = randomUUID();
    const target = await metricsServer(`hypersweep_smoke_value{run="${runId}"} 42\n`);
    const port = (target.address() as AddressInfo).port;
    const sdFile = join(config.prometheus.sdDir, `smoke-${runId}.json`);
    try {
      writeAtomically(sdFile, [{ targets: [`127.0.0.1:${port}`], labels: { smoke: runId } }]);
      const query = `hypersweep_smoke_value{run="${runId}",smoke="${runId}"}`;
      const value = await waitForQuery(query, 60_000);
      expect(value).toBe("42");
    } finally {
      rmSync(sdFile, { force: true });
      target.close();
    }
  });

  it("reports every server healthy through `hypersweep stack status --json`", async () => {
    const cli = fileURLToPath(new URL("../../bin/hypersweep.js", import.meta.url));
    const { stdout } = await run(process.execPath, [cli, "stack", "status", "--json"]);
    const statuses = JSON.parse(stdout) as ServiceStatus[];
    expect(statuses.map((s) => [s.name, s.healthy])).toEqual([
      ["temporal", true],
      ["minio", true],
      ["discovery", true],
      ["prometheus", true],
    ]);
    expect(statuses.every((s) => typeof s.pid === "number")).toBe(true);
  });

  it("treats `stack up` on a running stack as a no-op", async () => {
    const before = await stackStatus(config);
    const after = await stackUp(config);
    expect(after.map((s) => s.pid)).toEqual(before.map((s) => s.pid));
    expect(after.every((s) => s.healthy)).toBe(true);
  });

  it("keeps its data private on disk: state folder 0700, server files without group/other bits", async () => {
    // An object of our own, so MinIO has written object files, not just its metadata.
    const s3 = s3Client(config.s3);
    const key = `smoke/private-${randomUUID()}.txt`;
    await s3.putObject(config.s3.bucket, key, Buffer.from("secret"), 6);
    try {
      expect(modeOf(config.stateDir)).toBe(0o700);
      expect(modeOf(join(config.stateDir, "minio-credentials.json"))).toBe(0o600);
      expect(modeOf(join(config.stateDir, "temporal", "temporal.db"))).toBe(0o600);
      const served = ["minio", "temporal", join("prometheus", "data")];
      const entries = served.flatMap((dir) => walk(join(config.stateDir, dir)));
      expect(entries.some((e) => e.path.includes(key.split("/")[1]!))).toBe(true);
      expect(entries.filter((e) => (e.mode & 0o077) !== 0)).toEqual([]);
    } finally {
      await s3.removeObject(config.s3.bucket, key);
    }
  });

  it("ships a Prometheus config that `promtool check config` accepts", async () => {
    const rendered = join(config.stateDir, "prometheus", "prometheus.yml");
    for (const file of [PROMETHEUS_TEMPLATE, rendered]) {
      const { stdout } = await run("promtool", ["check", "config", file]);
      expect(stdout).toContain("SUCCESS");
    }
  });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Every file and folder below `dir` with its permission bits (servers' temp files may vanish). */
function walk(dir: string): { path: string; mode: number }[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).flatMap((name) => {
    const path = join(dir, name);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    return stat && !stat.isSymbolicLink() ? [{ path, mode: stat.mode & 0o777 }] : [];
  });
}

function metricsServer(body: string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(`# TYPE hypersweep_smoke_value gauge\n${body}`);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Prometheus re-reads file_sd files on change: a rename means it never sees half a file. */
function writeAtomically(file: string, content: unknown): void {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(content));
  renameSync(`${file}.tmp`, file);
}

async function waitForQuery(query: string, ms: number): Promise<string | undefined> {
  const url = `${config.prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const answer = (await (await fetch(url)).json()) as {
      data?: { result?: { value: [number, string] }[] };
    };
    const sample = answer.data?.result?.[0];
    if (sample) return sample.value[1];
    await sleep(500);
  }
  throw new Error(`Prometheus had no sample for ${query} within ${ms / 1000} s`);
}
