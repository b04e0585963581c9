import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format, inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectionOptions, tlsOptions } from "../../client/connection";
import { ConfigError, loadConfig } from "../../config";

const API_KEY = "tmprl-api-key-never-printed-0123456789";
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hypersweep-tls-"));
  for (const name of ["ca.pem", "client.pem", "client.key"]) {
    writeFileSync(join(dir, name), `-----BEGIN ${name}-----\n`);
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({ HYPERSWEEP_STATE_DIR: dir, ...extra });

describe("Temporal TLS and API key", () => {
  it("connects in plain text to the local stack by default", async () => {
    const config = loadConfig(env());
    expect(config.temporal.tls).toBeUndefined();
    expect(await connectionOptions(config.temporal)).toEqual({ address: "127.0.0.1:7233" });
  });

  it("passes a private CA, a server name and the client pair to every connection", async () => {
    const config = loadConfig(
      env({
        TEMPORAL_ADDRESS: "10.0.0.7:7233",
        TEMPORAL_TLS_CA_PATH: join(dir, "ca.pem"),
        TEMPORAL_TLS_SERVER_NAME: "temporal.internal",
        TEMPORAL_TLS_CERT_PATH: join(dir, "client.pem"),
        TEMPORAL_TLS_KEY_PATH: join(dir, "client.key"),
      }),
    );
    const options = await connectionOptions(config.temporal);
    expect(options.address).toBe("10.0.0.7:7233");
    expect(options.tls).toEqual({
      serverRootCACertificate: Buffer.from("-----BEGIN ca.pem-----\n"),
      serverNameOverride: "temporal.internal",
      clientCertPair: {
        crt: Buffer.from("-----BEGIN client.pem-----\n"),
        key: Buffer.from("-----BEGIN client.key-----\n"),
      },
    });
    expect(options).not.toHaveProperty("apiKey");
  });

  it("a CA or a server name alone turns TLS on, and flags win over the environment", async () => {
    const caOnly = loadConfig(env({ TEMPORAL_TLS_CA_PATH: join(dir, "ca.pem") }));
    expect(Object.keys((await tlsOptions(caOnly.temporal)).tls as object)).toEqual([
      "serverRootCACertificate",
    ]);
    const nameOnly = loadConfig(env({ TEMPORAL_TLS_SERVER_NAME: "env.name" }), {
      tlsServerName: "flag.name",
    });
    expect((await tlsOptions(nameOnly.temporal)).tls).toEqual({ serverNameOverride: "flag.name" });
  });

  it("an API key implies TLS with the system CAs and reaches the connection", async () => {
    const config = loadConfig(env({ TEMPORAL_API_KEY: API_KEY }));
    const options = await connectionOptions(config.temporal);
    expect(options.tls).toBe(true);
    expect(options.apiKey).toBe(API_KEY);
    const withCa = loadConfig(
      env({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_CA_PATH: join(dir, "ca.pem") }),
    );
    expect(Object.keys((await connectionOptions(withCa.temporal)).tls as object)).toEqual([
      "serverRootCACertificate",
    ]);
  });

  it("never prints the API key: config dumps and configuration errors redact it", async () => {
    const config = loadConfig(
      env({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_CA_PATH: join(dir, "missing.pem") }),
    );
    for (const text of [
      JSON.stringify(config),
      inspect(config, { depth: null }),
      format("%o %s %j", config, config.temporal, config.temporal),
    ]) {
      expect(text).not.toContain(API_KEY);
    }
    const unreadable = await tlsOptions(config.temporal).catch((e: unknown) => e);
    expect(unreadable).toBeInstanceOf(ConfigError);
    expect(String(unreadable)).toMatch(
      /TEMPORAL_TLS_CA_PATH=.*missing\.pem: cannot read the file \(ENOENT\)/,
    );
    const half = (() => {
      try {
        loadConfig(env({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_CERT_PATH: "/c.pem" }));
      } catch (error) {
        return error;
      }
    })();
    expect(half).toBeInstanceOf(ConfigError);
    expect(`${String(half)} ${inspect(half)}`).not.toContain(API_KEY);
    const badEnv = (() => {
      try {
        loadConfig(env({ TEMPORAL_API_KEY: API_KEY, HYPERSWEEP_TEMPORAL_PORT: "x" }));
      } catch (error) {
        return error;
      }
    })();
    expect(`${String(badEnv)} ${inspect(badEnv)}`).not.toContain(API_KEY);
  });
});
