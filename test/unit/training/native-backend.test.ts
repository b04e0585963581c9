import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../training";
import { installDir, probeBackend, readManifest } from "../../../training/native";

// An empty cache: nothing installed there, whatever the machine's own cache holds.
let cache: string;
const saved = process.env.HYPERSWEEP_CACHE_DIR;
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), "hs-native-"));
  process.env.HYPERSWEEP_CACHE_DIR = cache;
});
afterAll(() => {
  if (saved === undefined) delete process.env.HYPERSWEEP_CACHE_DIR;
  else process.env.HYPERSWEEP_CACHE_DIR = saved;
  rmSync(cache, { recursive: true, force: true });
});

describe("native backends, not installed", () => {
  it("live under the cache folder, one folder per backend and versions", () => {
    expect(installDir("tensorflow")).toBe(
      join(cache, "backends", "tensorflow-tensorflow-cpu-2.21.0-tfjs-4.22.0"),
    );
    expect(readManifest("tensorflow")).toBeUndefined();
  });

  it("a named native backend fails with the cause and the command that installs it", async () => {
    await expect(initBackend("tensorflow-gpu")).rejects.toThrow(
      /not installed .*npx hypersweep backend install tensorflow-gpu/,
    );
  });

  it("status reports it not installed and not loadable, saying why", async () => {
    const p = await probeBackend("tensorflow");
    expect(p).toMatchObject({ backend: "tensorflow", installed: false, loadable: false, gpus: [] });
    expect(p.error).toMatch(/backend install tensorflow/);
  });

  it("auto still picks a loadable backend and logs why the native ones were not taken", async () => {
    const lines: string[] = [];
    const name = await initBackend("auto", (l) => lines.push(l));
    expect(["wasm", "cpu"]).toContain(name);
    expect(lines.join("\n")).toMatch(
      /training backend (wasm|cpu) \(not taken: tensorflow-gpu: .*tensorflow: .*not installed/,
    );
  });
});
