import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(HYPERSWEEP_|TEMPORAL_)/.test(k)),
);
const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

function cli(args: string[], extra: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      ["bin/hypersweep.js", ...args],
      { env: { ...env, ...extra } },
      (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
    );
  });
}

describe("CLI start", () => {
  // Both ways bin/hypersweep.js can start (the dist/ bundle when current, else the sources).
  it.each<Record<string, string>>([{}, { HYPERSWEEP_FROM_SOURCE: "1" }])(
    "--version prints the package version (%o)",
    async (extra) => {
      const run = await cli(["--version"], extra);
      expect(run).toEqual({ code: 0, stdout: `${version}\n` });
    },
  );

  it("--help lists every command of DESIGN.md's contract that exists", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    for (const command of ["stack", "worker", "run", "status", "results", "report", "demo"]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
  });
});
