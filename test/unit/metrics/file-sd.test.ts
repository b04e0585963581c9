import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerScrapeTarget } from "../../../metrics";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hs-sd-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("file_sd registration", () => {
  it("writes one Prometheus target group and removes it on unregister", async () => {
    const sdDir = join(dir, "targets");
    const target = await registerScrapeTarget({
      sdDir,
      workerId: "cpu-host1-42",
      host: "127.0.0.1",
      port: 9464,
      labels: { pool: "cpu", worker: "host1-42" },
    });
    expect(target.file).toBe(join(sdDir, "cpu-host1-42.json"));
    expect(await readdir(sdDir)).toEqual(["cpu-host1-42.json"]); // no temporary left over
    const groups = JSON.parse(await readFile(target.file, "utf8"));
    expect(groups).toEqual([
      { targets: ["127.0.0.1:9464"], labels: { pool: "cpu", worker: "host1-42" } },
    ]);
    await target.unregister();
    await target.unregister();
    expect(await readdir(sdDir)).toEqual([]);
  });

  it("brackets IPv6 hosts and overwrites on re-registration", async () => {
    const base = { sdDir: dir, workerId: "w", labels: { pool: "gpu", worker: "w" } };
    await registerScrapeTarget({ ...base, host: "::1", port: 1 });
    const target = await registerScrapeTarget({ ...base, host: "::1", port: 2 });
    const [group] = JSON.parse(await readFile(target.file, "utf8"));
    expect(group.targets).toEqual(["[::1]:2"]);
  });

  it("rejects worker ids that are not safe file names", async () => {
    const options = { sdDir: dir, host: "h", port: 1, labels: { pool: "p", worker: "w" } };
    await expect(registerScrapeTarget({ ...options, workerId: "../evil" })).rejects.toThrow(
      /workerId/,
    );
  });
});
