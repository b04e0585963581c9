import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A Python virtual environment under the cache with `pins` installed from PyPI, keyed by the
 * pins (a new pin installs beside the old one). A venv cannot be moved (its scripts name their
 * folder), so it is built in place and marked complete last: an interrupted install is redone,
 * never half used. Returns the venv's folder; its programs are in `bin/`.
 */
export function ensureVenv(
  cacheDir: string,
  name: string,
  pins: readonly string[],
  log: (line: string) => void,
): string {
  const key = createHash("sha256").update(pins.join("\n")).digest("hex").slice(0, 12);
  const venv = join(cacheDir, `${name}-${key}`);
  const complete = join(venv, ".complete");
  if (existsSync(complete)) return venv;
  log(`installing ${pins.join(", ")} into ${venv} (once)…`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  run("python3", ["-m", "venv", venv]);
  run(join(venv, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", ...pins]);
  writeFileSync(complete, `${pins.join("\n")}\n`);
  return venv;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr || result.error}`);
  }
}
