import { join } from "node:path";
import type { HypersweepConfig } from "../../config";
import { findOnPath, isExecutable, lastLines, runCommand } from "./exec";
import { type ProgressFn, StackError } from "./types";

/**
 * Finds `minio`: on PATH, else `<cacheDir>/bin/minio`, else builds it once with
 * `go install github.com/minio/minio@latest` (GOBIN = the cache; several minutes).
 */
export async function ensureMinio(config: HypersweepConfig, progress: ProgressFn): Promise<string> {
  const onPath = await findOnPath("minio");
  if (onPath) return onPath;
  const gobin = join(config.cacheDir, "bin");
  const cached = join(gobin, "minio");
  if (isExecutable(cached)) return cached;
  const go = (await findOnPath("go")) ?? ["/usr/local/go/bin/go"].find(isExecutable);
  if (!go) {
    throw new StackError(
      "MinIO is not installed and Go is missing to build it: install Go (https://go.dev/dl) " +
        "or put a `minio` binary on PATH.",
    );
  }
  progress("building MinIO from source (first time, several minutes)…");
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  // The compile prints nothing for minutes: a ticker shows it is alive.
  const ticker = setInterval(() => progress(`  still building MinIO (${seconds()} s)…`), 30_000);
  const result = await runCommand(go, ["install", "github.com/minio/minio@latest"], {
    // go install writes the binary only when the build succeeded, so a failure leaves no half file.
    env: { ...process.env, GOBIN: gobin },
  }).finally(() => clearInterval(ticker));
  if (result.code !== 0 || !isExecutable(cached)) {
    throw new StackError(
      `go install github.com/minio/minio@latest failed:\n${lastLines(result.output)}`,
    );
  }
  progress(`MinIO built in ${seconds()} s`);
  return cached;
}
