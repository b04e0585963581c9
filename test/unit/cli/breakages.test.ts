import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";

// Only unrelated variables: nothing here may reach a server (none runs in unit tests).
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(HYPERSWEEP_|TEMPORAL_)/.test(k)),
);

function cli(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ["bin/hypersweep.js", ...args], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe("CLI breakages", () => {
  it("set-parallel ID 0 exits 2 naming the value, before connecting anywhere", async () => {
    const run = await cli(["set-parallel", "some-sweep", "0"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      "hypersweep: set-parallel: N must be a whole number, at least 1 (got 0)",
    );
  });

  it("set-parallel over the cap names the cap, the same rule the workflow applies", async () => {
    const run = await cli(["set-parallel", "some-sweep", "2001"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe("hypersweep: set-parallel: N must be at most 2000 (got 2001)");
  });

  it("exits quietly when the reader of its output has gone (`| head`)", async () => {
    const child = spawn(
      process.execPath,
      ["bin/hypersweep.js", "run", "--dry-run", "examples/seed/03-momentum.yaml"],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout.destroy(); // the reader closes the pipe before anything is written
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = (await once(child, "exit")) as [number | null];
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
