import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format, inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ConfigError,
  CREDENTIALS_FILE,
  loadConfig,
  readStackCredentials,
  Secret,
} from "../../config";
import { ensureStackCredentials } from "../../infra/stack";

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), "hypersweep-config-"));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

/** An environment that points only at the temp state dir, so no real credentials leak in. */
const env = (extra: Record<string, string> = {}) => ({ HYPERSWEEP_STATE_DIR: stateDir, ...extra });

describe("loadConfig", () => {
  it("defaults to the local stack", () => {
    const config = loadConfig(env());
    expect(config.stateDir).toBe(stateDir);
    expect(config.temporal).toMatchObject({
      address: "127.0.0.1:7233",
      namespace: "default",
      port: 7233,
      uiPort: 8233,
    });
    expect(config.s3).toMatchObject({
      endpoint: "http://127.0.0.1:9000",
      bucket: "hypersweep",
      outageBudgetSeconds: 300,
      requestTimeoutSeconds: 30,
      healthCheckSeconds: 30,
    });
    expect(config.s3.accessKey).toBeUndefined();
    expect(config.minio).toEqual({ port: 9000, consolePort: 9001 });
    expect(config.prometheus).toEqual({
      port: 9090,
      url: "http://127.0.0.1:9090",
      sdDir: join(stateDir, "prometheus", "targets"),
      discoveryPort: 9099,
    });
  });

  it("derives addresses from port variables, and flags win over the environment", () => {
    const fromEnv = loadConfig(
      env({ HYPERSWEEP_TEMPORAL_PORT: "17233", HYPERSWEEP_MINIO_PORT: "19000" }),
    );
    expect(fromEnv.temporal.address).toBe("127.0.0.1:17233");
    expect(fromEnv.s3.endpoint).toBe("http://127.0.0.1:19000");
    const flagged = loadConfig(
      env({ HYPERSWEEP_MINIO_PORT: "19000", HYPERSWEEP_BUCKET: "envbucket" }),
      {
        minioPort: 29000,
        bucket: "flagbucket",
        temporalAddress: "temporal.example:7233",
      },
    );
    expect(flagged.s3).toMatchObject({ endpoint: "http://127.0.0.1:29000", bucket: "flagbucket" });
    expect(flagged.temporal.address).toBe("temporal.example:7233");
  });

  it("names the variable at fault", () => {
    expect(() => loadConfig(env({ HYPERSWEEP_MINIO_PORT: "ninety" }))).toThrow(
      /HYPERSWEEP_MINIO_PORT/,
    );
    expect(() => loadConfig(env({ HYPERSWEEP_BUCKET: "Not_A_Bucket" }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ HYPERSWEEP_BUCKET: "Not_A_Bucket" }))).toThrow(
      /HYPERSWEEP_BUCKET/,
    );
    expect(() => loadConfig(env({ TEMPORAL_TLS_CERT_PATH: "/c.pem" }))).toThrow(
      /TEMPORAL_TLS_KEY_PATH/,
    );
    expect(() => loadConfig(env({ HYPERSWEEP_S3_ACCESS_KEY: "only-half" }))).toThrow(
      /HYPERSWEEP_S3_SECRET_KEY/,
    );
    expect(() => loadConfig(env({ HYPERSWEEP_OUTAGE_BUDGET_SECONDS: "0" }))).toThrow(
      /HYPERSWEEP_OUTAGE_BUDGET_SECONDS/,
    );
    const patient = loadConfig(env({ HYPERSWEEP_OUTAGE_BUDGET_SECONDS: "900" }));
    expect(patient.s3.outageBudgetSeconds).toBe(900);
    expect(() => loadConfig(env({ HYPERSWEEP_S3_REQUEST_TIMEOUT_SECONDS: "-1" }))).toThrow(
      /HYPERSWEEP_S3_REQUEST_TIMEOUT_SECONDS/,
    );
    const quick = loadConfig(env({ HYPERSWEEP_S3_REQUEST_TIMEOUT_SECONDS: "2" }));
    expect(quick.s3.requestTimeoutSeconds).toBe(2);
  });

  it("reads the credentials `stack up` generated, and env credentials win over them", () => {
    const generated = ensureStackCredentials(stateDir);
    expect(statSync(join(stateDir, CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    expect(generated.accessKey.reveal()).not.toBe("minioadmin");
    expect(generated.secretKey.reveal()).not.toBe("minioadmin");
    expect(generated.secretKey.reveal().length).toBeGreaterThanOrEqual(32);
    // Idempotent: a second call reads the same file.
    expect(ensureStackCredentials(stateDir).secretKey.reveal()).toBe(generated.secretKey.reveal());
    expect(readStackCredentials(stateDir)?.accessKey).toBe(generated.accessKey.reveal());
    const fromFile = loadConfig(env());
    expect(fromFile.s3.secretKey?.reveal()).toBe(generated.secretKey.reveal());
    const fromEnv = loadConfig(
      env({ HYPERSWEEP_S3_ACCESS_KEY: "envkey", HYPERSWEEP_S3_SECRET_KEY: "envsecret1" }),
    );
    expect(fromEnv.s3.accessKey?.reveal()).toBe("envkey");
  });

  it("rejects a malformed credentials file by name", () => {
    writeFileSync(join(stateDir, CREDENTIALS_FILE), JSON.stringify({ accessKey: "x" }));
    expect(() => loadConfig(env())).toThrow(new RegExp(CREDENTIALS_FILE));
  });
});

describe("Secret", () => {
  const value = "s3cr3t-value-never-printed";

  it("never prints through String, templates, JSON or inspect", () => {
    const secret = new Secret(value);
    const renderings = [
      String(secret),
      `${secret}`,
      JSON.stringify(secret),
      JSON.stringify({ nested: { secret } }),
      inspect(secret),
      inspect({ deep: { deeper: { secret } } }, { depth: null }),
      format("%s %o %O %j", secret, secret, secret, { secret }),
    ];
    for (const text of renderings) expect(text).not.toContain(value);
    expect(secret.reveal()).toBe(value);
  });

  it("keeps every secret of a loaded config out of its printed forms", () => {
    const config = loadConfig(
      env({
        HYPERSWEEP_S3_ACCESS_KEY: "access-key-value",
        HYPERSWEEP_S3_SECRET_KEY: value,
        TEMPORAL_API_KEY: `${value}-temporal`,
        GRAFANA_TOKEN: `${value}-grafana`,
      }),
    );
    for (const text of [
      JSON.stringify(config),
      inspect(config, { depth: null }),
      format("%o", config),
    ]) {
      expect(text).not.toContain(value);
    }
  });
});
