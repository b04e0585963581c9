import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OWNER_LABEL, pruneStaleTargets, registerScrapeTarget } from "../../../metrics";

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
      {
        targets: ["127.0.0.1:9464"],
        labels: { pool: "cpu", worker: "host1-42", [OWNER_LABEL]: `${hostname()}/${process.pid}` },
      },
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

describe("stale targets", () => {
  const group = (owner: string) =>
    `${JSON.stringify([{ targets: ["h:1"], labels: { pool: "p", worker: "w", [OWNER_LABEL]: owner } }])}\n`;
  const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid;

  it("prunes a dead process's target on this host at once, and any target not renewed", async () => {
    await writeFile(join(dir, "dead.json"), group(`${hostname()}/${deadPid()}`));
    await writeFile(join(dir, "live.json"), group(`${hostname()}/${process.pid}`));
    await writeFile(join(dir, "other-host.json"), group(`elsewhere/${deadPid()}`));
    await writeFile(join(dir, "notes.txt"), "not a target");
    expect((await pruneStaleTargets(dir)).map((f) => f.slice(dir.length + 1))).toEqual([
      "dead.json",
    ]);
    // Another machine's worker (or a frozen one) goes once its heartbeat is overdue.
    const old = new Date(Date.now() - 120_000);
    await utimes(join(dir, "other-host.json"), old, old);
    await pruneStaleTargets(dir);
    expect((await readdir(dir)).sort()).toEqual(["live.json", "notes.txt"]);
  });

  it("a live registration renews its file and rewrites it when pruned", async () => {
    const target = await registerScrapeTarget({
      sdDir: dir,
      workerId: "w",
      host: "127.0.0.1",
      port: 1,
      labels: { pool: "p", worker: "w" },
      heartbeatMs: 20,
    });
    await rm(target.file);
    await expect.poll(() => readdir(dir)).toEqual(["w.json"]);
    await target.unregister();
    expect(await readdir(dir)).toEqual([]);
  });
});
