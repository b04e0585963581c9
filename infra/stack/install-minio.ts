import { copyFileSync, linkSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { HypersweepConfig } from "../../config";
import { findOnPath, isExecutable, lastLines, runCommand } from "./exec";
import { type ProgressFn, StackError } from "./types";

/**
 * The MinIO server we build: a pinned pseudo-version (MinIO publishes no semver tags for its
 * server module), so every machine runs the same server. Raising it is a one-line change; the
 * cache folder is keyed by it, so a new version builds afresh beside the old one.
 */
export const MINIO_MODULE = "github.com/minio/minio";
export const MINIO_VERSION = "v0.0.0-20260212201848-7aac2a2c5b7c";

/** `<cacheDir>/minio-<version>/minio`: one binary per pinned version. */
export function minioBinaryPath(cacheDir: string, version = MINIO_VERSION): string {
  return join(cacheDir, `minio-${version}`, "minio");
}

/**
 * Finds `minio`: on PATH, else the cached build of the pinned version, else builds it once with
 * `go install github.com/minio/minio@<MINIO_VERSION>` (several minutes: it compiles MinIO
 * and its few hundred dependencies; later starts reuse the binary).
 */
export async function ensureMinio(config: HypersweepConfig, progress: ProgressFn): Promise<string> {
  const onPath = await findOnPath("minio");
  if (onPath) return onPath;
  const cached = minioBinaryPath(config.cacheDir);
  if (isExecutable(cached)) return cached;
  const go = (await findOnPath("go")) ?? ["/usr/local/go/bin/go"].find(isExecutable);
  if (!go) {
    throw new StackError(
      "MinIO is not installed and Go is missing to build it: install Go (https://go.dev/dl) " +
        "or put a `minio` binary on PATH.",
    );
  }
  if (await adoptUnversionedBuild(go, config.cacheDir, cached)) return cached;
  return build(go, cached, progress);
}

/**
 * Earlier versions built the newest MinIO into `<cacheDir>/bin/minio`. When that binary is the
 * pinned version (its embedded build info says so), link it into place instead of compiling.
 */
async function adoptUnversionedBuild(go: string, cacheDir: string, target: string) {
  const old = join(cacheDir, "bin", "minio");
  if (!isExecutable(old)) return false;
  const info = await runCommand(go, ["version", "-m", old]);
  const mod = new RegExp(`^\\s*mod\\s+${MINIO_MODULE}\\s+(\\S+)`, "m").exec(info.output);
  if (info.code !== 0 || mod?.[1] !== MINIO_VERSION) return false;
  mkdirSync(dirname(target), { recursive: true });
  try {
    linkSync(old, target);
  } catch {
    copyFileSync(old, target);
  }
  return isExecutable(target);
}

async function build(go: string, cached: string, progress: ProgressFn): Promise<string> {
  const pkg = `${MINIO_MODULE}@${MINIO_VERSION}`;
  progress(`building MinIO ${MINIO_VERSION} from source (first time, several minutes)…`);
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  // The compile prints nothing for minutes: a ticker shows it is alive.
  const ticker = setInterval(() => progress(`  still building MinIO (${seconds()} s)…`), 30_000);
  const result = await runCommand(go, ["install", pkg], {
    // go install writes the binary only when the build succeeded, so a failure leaves no half file.
    env: { ...process.env, GOBIN: dirname(cached) },
  }).finally(() => clearInterval(ticker));
  if (result.code !== 0 || !isExecutable(cached)) {
    throw new StackError(`go install ${pkg} failed:\n${lastLines(result.output)}`);
  }
  progress(`MinIO built in ${seconds()} s`);
  return cached;
}
