import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { S3_SCHEME } from "./keys";
import type { ArtifactStore } from "./store";

/**
 * A `readText` for the training loader: `s3://key` from the bucket, anything else from the
 * local file system (relative to `baseDir`).
 */
export function sourceReader(store: ArtifactStore, baseDir = process.cwd()) {
  return async (source: string): Promise<string> => {
    if (source.startsWith(S3_SCHEME)) return store.getText(source.slice(S3_SCHEME.length));
    return readFile(isAbsolute(source) ? source : resolve(baseDir, source), "utf8");
  };
}
