import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InternalError } from "../errors";
import { type BundleLimits, packFolder, unpackFolder } from "./folder-bundle";
import { codeHashOf, codeKey, S3_SCHEME } from "./keys";
import type { ArtifactStore } from "./store";

/** A code folder is source, not data: past these it is almost surely the wrong folder. */
export const CODE_LIMITS: BundleLimits = { maxBytes: 32 * 2 ** 20, maxFiles: 2000 };

/** A local code folder as its bundle and the `s3://code/<sha256>/bundle.json` source naming it. */
export async function bundleCode(folder: string) {
  const packed = await packFolder(folder, CODE_LIMITS);
  return { ...packed, source: `${S3_SCHEME}${codeKey(packed.sha256)}` };
}

/** Uploads a code bundle unless the bucket has it (same bytes, same key). */
export async function uploadCode(store: ArtifactStore, source: string, bytes: Uint8Array) {
  const key = source.slice(S3_SCHEME.length);
  if (!(await store.exists(key))) await store.putBytes(key, bytes, "application/json");
}

/**
 * The code folder of `source` on this machine: downloaded once into `<cacheDir>/code/<sha256>`,
 * its bytes checked against the hash the key names before anything is unpacked (a worker runs
 * exactly the bytes the sweep was started with), unpacked aside and renamed into place.
 */
export async function fetchCode(
  store: ArtifactStore,
  source: string,
  cacheDir: string,
): Promise<string> {
  const key = source.startsWith(S3_SCHEME) ? source.slice(S3_SCHEME.length) : source;
  const sha = codeHashOf(key);
  if (sha === undefined) {
    throw new InternalError(`command code ${source} is not in the bucket (was the spec prepared?)`);
  }
  const dir = join(cacheDir, "code", sha);
  if (existsSync(join(dir, ".complete"))) return dir;
  const bytes = await store.getBytes(key);
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== sha) throw new InternalError(`${key}: content hash is ${actual}, not ${sha}`);
  const aside = `${dir}.${randomBytes(4).toString("hex")}.tmp`;
  await mkdir(aside, { recursive: true });
  await unpackFolder(bytes, aside);
  await writeFile(join(aside, ".complete"), `${sha}\n`);
  try {
    await rename(aside, dir);
  } catch {
    // Another trial on this machine unpacked the same code first: theirs is identical.
    await rm(aside, { recursive: true, force: true });
    if (!existsSync(join(dir, ".complete")))
      throw new InternalError(`cannot unpack code into ${dir}`);
  }
  return dir;
}
