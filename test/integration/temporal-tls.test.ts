import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "../../client/connection";
import { loadConfig } from "../../config";
import { connectWorker } from "../../workers/connection";
import { testConfig } from "./support/harness";

/**
 * The Temporal dev server speaks plain gRPC only (`temporal server start-dev` has no TLS
 * flags, hidden ones included: checked with CLI 1.9.1). So TLS is terminated in front of the
 * real server by a TCP proxy holding a certificate from a private CA made here with openssl,
 * as a load balancer or ingress would in front of a cluster. Both connection kinds, the
 * client's (grpc-js) and the worker's (Rust core), must verify it through the config.
 */
const NAME = "temporal.hypersweep.test";
const stack = testConfig();
const dir = mkdtempSync(join(tmpdir(), "hypersweep-tls-ca-"));
let proxy: Server;
let address: string;

function openssl(...args: string[]) {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

beforeAll(async () => {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=hypersweep test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    `/CN=${NAME}`,
  );
  writeFileSync(
    join(dir, "ext.cnf"),
    `subjectAltName=DNS:${NAME}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "ext.cnf",
    "-out",
    "server.pem",
  );
  const upstream = stack.temporal.address.split(":");
  proxy = createServer(
    {
      key: readFileSync(join(dir, "server.key")),
      cert: readFileSync(join(dir, "server.pem")),
      ALPNProtocols: ["h2"],
    },
    (tls) => {
      const plain: Socket = connect(Number(upstream[1]), upstream[0]);
      tls.pipe(plain).pipe(tls);
      tls.on("error", () => plain.destroy());
      plain.on("error", () => tls.destroy());
    },
  );
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  address = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const config = (extra: Record<string, string>) =>
  loadConfig({ HYPERSWEEP_STATE_DIR: dir, TEMPORAL_ADDRESS: address, ...extra }).temporal;

async function describeWith(kind: "client" | "worker", extra: Record<string, string>) {
  const temporal = config(extra);
  const namespace = temporal.namespace;
  if (kind === "client") {
    const connection = await connectClient(temporal);
    try {
      return (await connection.workflowService.describeNamespace({ namespace })).namespaceInfo
        ?.name;
    } finally {
      await connection.close();
    }
  }
  const connection = await connectWorker(temporal);
  try {
    return (await connection.workflowService.describeNamespace({ namespace })).namespaceInfo?.name;
  } finally {
    await connection.close();
  }
}

describe("Temporal over TLS with a private CA", () => {
  const trusted = () => ({
    TEMPORAL_TLS_CA_PATH: join(dir, "ca.pem"),
    TEMPORAL_TLS_SERVER_NAME: NAME,
  });

  it("the client and the worker connections verify the server with the CA and server name", async () => {
    expect(await describeWith("client", trusted())).toBe("default");
    expect(await describeWith("worker", trusted())).toBe("default");
  }, 120_000);

  it("without the CA, or with the wrong server name, neither connects", async () => {
    const untrusted = { TEMPORAL_TLS_SERVER_NAME: NAME };
    const misnamed = { ...trusted(), TEMPORAL_TLS_SERVER_NAME: "other.hypersweep.test" };
    // The client retries a failed handshake until its 30 s connect timeout: one case of it.
    const cases = [
      ["worker", untrusted],
      ["worker", misnamed],
      ["client", misnamed],
    ] as const;
    for (const [kind, env] of cases) {
      await expect(describeWith(kind, env), `${kind} ${JSON.stringify(env)}`).rejects.toThrow();
    }
  }, 120_000);
});
