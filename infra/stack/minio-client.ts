import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "minio";
import { CREDENTIALS_FILE, readStackCredentials, type S3Config, Secret } from "../../config";
import { StackError } from "./types";

export interface StackCredentials {
  accessKey: Secret;
  secretKey: Secret;
}

/**
 * The local MinIO's root credentials: read from `<stateDir>/minio-credentials.json`, or
 * generated (crypto-random, never the well-known defaults) and written there with mode 0600.
 */
export function ensureStackCredentials(stateDir: string): StackCredentials {
  const existing = readStackCredentials(stateDir);
  if (existing) return wrap(existing);
  mkdirSync(stateDir, { recursive: true });
  const fresh = {
    accessKey: `hypersweep-${randomBytes(4).toString("hex")}`,
    secretKey: randomBytes(24).toString("base64url"),
  };
  const file = join(stateDir, CREDENTIALS_FILE);
  try {
    writeFileSync(file, `${JSON.stringify(fresh)}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600); // pin the mode exactly, whatever the umask
  } catch (error) {
    // Another `stack up` wrote it first: use theirs.
    const raced = readStackCredentials(stateDir);
    if (raced) return wrap(raced);
    throw error;
  }
  return wrap(fresh);
}

function wrap(c: { accessKey: string; secretKey: string }): StackCredentials {
  return { accessKey: new Secret(c.accessKey), secretKey: new Secret(c.secretKey) };
}

/** A `minio` client for an S3 config (endpoint URL such as `http://127.0.0.1:9000`). */
export function s3Client(s3: S3Config): Client {
  if (!s3.accessKey || !s3.secretKey) {
    throw new StackError(
      `no S3 credentials for ${s3.endpoint}: run \`hypersweep stack up\` or set HYPERSWEEP_S3_ACCESS_KEY/HYPERSWEEP_S3_SECRET_KEY`,
    );
  }
  const url = new URL(s3.endpoint);
  const useSSL = url.protocol === "https:";
  return new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    region: s3.region,
    accessKey: s3.accessKey.reveal(),
    secretKey: s3.secretKey.reveal(),
  });
}

/**
 * Creates `s3.bucket` when it does not exist; idempotent (a concurrent creator is fine).
 *
 * @example
 * await ensureBucket(loadConfig().s3);
 */
export async function ensureBucket(s3: S3Config): Promise<void> {
  const client = s3Client(s3);
  if (await client.bucketExists(s3.bucket)) return;
  try {
    await client.makeBucket(s3.bucket, s3.region);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "BucketAlreadyOwnedByYou" && code !== "BucketAlreadyExists") throw error;
  }
}
