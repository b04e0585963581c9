import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { HypersweepConfig } from "../../../config";

const run = promisify(execFile);

/**
 * The AWS CLI from PyPI, installed once into the cache (`pip install --target`), so tests can
 * read the bucket with an S3 client that is not ours. Installs into a temporary folder and
 * renames it, so a concurrent or interrupted install never leaves a half-usable one.
 */
export async function installAwsCli(cacheDir: string): Promise<string> {
  const dir = join(cacheDir, "awscli");
  if (existsSync(join(dir, "awscli", "__main__.py"))) return dir;
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await run(
    "python3",
    [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--target",
      staging,
      "awscli",
    ],
    { maxBuffer: 16 << 20 },
  );
  await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(join(dir, "awscli", "__main__.py"))) throw error;
  });
  return dir;
}

/** Runs `aws ARGS --endpoint-url <test MinIO>`; credentials travel in the child's env only. */
export function awsCli(config: HypersweepConfig, dir: string) {
  const { accessKey, secretKey, endpoint, region } = config.s3;
  if (!accessKey || !secretKey) throw new Error("the test stack has no S3 credentials");
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PYTHONPATH: dir,
    AWS_ACCESS_KEY_ID: accessKey.reveal(),
    AWS_SECRET_ACCESS_KEY: secretKey.reveal(),
    AWS_DEFAULT_REGION: region,
    // No profile or instance metadata from the machine: only what we pass.
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return async (args: string[]): Promise<Buffer> => {
    const { stdout } = await run("python3", ["-m", "awscli", ...args, "--endpoint-url", endpoint], {
      env,
      encoding: "buffer",
      maxBuffer: 64 << 20,
    });
    return stdout;
  };
}
