import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../config";
import { ensureMinio, MINIO_VERSION, minioBinaryPath } from "../../../infra/stack/install-minio";
import { ensurePrivateStateDir, withPrivateUmask } from "../../../infra/stack/private";

const temp = () => mkdtempSync(join(tmpdir(), "hypersweep-stack-"));
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("MinIO is pinned", () => {
  it("builds a fixed pseudo-version (a commit), not whatever is newest", () => {
    expect(MINIO_VERSION).toMatch(/^v0\.0\.0-\d{14}-[0-9a-f]{12}$/);
  });

  it("keys the cached binary by version, so a new pin builds afresh", () => {
    expect(minioBinaryPath("/c", "v1")).not.toBe(minioBinaryPath("/c", "v2"));
    expect(minioBinaryPath("/c")).toBe(`/c/minio-${MINIO_VERSION}/minio`);
  });

  it("uses the cached build of the pinned version without building", async () => {
    const cacheDir = temp();
    const binary = minioBinaryPath(cacheDir);
    mkdirSync(dirname(binary), { recursive: true });
    writeFileSync(binary, "#!/bin/sh\n");
    chmodSync(binary, 0o755);
    const config = { ...loadConfig({}), cacheDir };
    const found = await ensureMinio(config, () => undefined);
    // A minio on PATH wins by design; this machine has none, so the cache must be chosen.
    if (spawnSync("sh", ["-c", "command -v minio"]).status !== 0) expect(found).toBe(binary);
  });
});

describe("the state folder is private", () => {
  it("creates it 0700 whatever the umask", () => {
    const dir = join(temp(), "state");
    ensurePrivateStateDir(dir);
    expect(modeOf(dir)).toBe(0o700);
  });

  it("tightens a folder left open by an older version, with everything in it", () => {
    const dir = temp();
    mkdirSync(join(dir, "minio", "data"), { recursive: true });
    writeFileSync(join(dir, "minio", "data", "part.1"), "x", { mode: 0o644 });
    writeFileSync(join(dir, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    chmodSync(dir, 0o755);
    ensurePrivateStateDir(dir);
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(join(dir, "minio", "data"))).toBe(0o700);
    expect(modeOf(join(dir, "minio", "data", "part.1"))).toBe(0o600);
    expect(modeOf(join(dir, "run.sh"))).toBe(0o700);
  });

  it("starts servers with umask 077, so the files they create are 0600", () => {
    const file = join(temp(), "created-by-child");
    const before = process.umask();
    const child = withPrivateUmask(() => spawnSync("sh", ["-c", `echo data > "${file}"`]));
    expect(child.status).toBe(0);
    expect(modeOf(file)).toBe(0o600);
    expect(process.umask()).toBe(before);
  });
});
