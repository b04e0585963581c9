import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { customise } from "../../../cli/demo/experiments";
import { loadSpecFile } from "../../../spec/file";

const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(HYPERSWEEP_|TEMPORAL_)/.test(k)),
);

function cli(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, ["bin/hypersweep.js", ...args], { env }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe("demo overrides and dry-run data checks", () => {
  it("--epochs below the specs' checkpoint interval shrinks it (demo --epochs 5)", async () => {
    const { spec } = await loadSpecFile("examples/seed/03-momentum.yaml");
    expect(spec.training.checkpointEvery).toBeGreaterThan(5);
    const patched = customise(spec, { epochs: 5, seeds: [1] });
    expect(patched.training).toMatchObject({ epochs: 5, checkpointEvery: 5 });
    expect(customise(spec, {}).training.checkpointEvery).toBe(spec.training.checkpointEvery);
  });

  it("run --dry-run checks the data: a misspelled feature exits 2 naming it and the file only", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hs-dry-"));
    const data = resolve("examples/data/bmi.csv");
    const text = (await readFile("examples/seed/03-momentum.yaml", "utf8"))
      .replace("Height, Weight", "Height, Wieght")
      .replace("../data/bmi.csv", data);
    await writeFile(join(dir, "bad.yaml"), text);
    const run = await cli(["run", "--dry-run", join(dir, "bad.yaml")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`dataset ${data}: missing column(s) "Wieght"`);
    expect(run.stderr).not.toContain("s3://");
    expect(run.stdout).toBe("");
  });
});
