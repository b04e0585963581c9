import { createHash } from "node:crypto";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";

/**
 * A folder as one object: its files (sorted paths, executable bit, bytes as base64) in a JSON
 * document, so the same folder always gives the same bytes and the same SHA-256. Used for a
 * command trial's code (`code/<sha256>/bundle.json`) and for its checkpoints.
 */
export interface FolderBundle {
  format: typeof BUNDLE_FORMAT;
  files: Array<{ path: string; executable: boolean; data: string }>;
}

const BUNDLE_FORMAT = "hypersweep/folder/v1";

/** Names never bundled: version control, caches, virtual environments, hypersweep's own state. */
const SKIPPED = new Set([".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv"]);
const skipped = (name: string) =>
  SKIPPED.has(name) ||
  name.startsWith(".hypersweep") ||
  name.endsWith(".pyc") ||
  name === ".DS_Store";

export interface BundleLimits {
  maxBytes: number;
  maxFiles: number;
}

/** Raised when a folder is over the limits; the message says which and how to fix it. */
export class BundleTooLargeError extends Error {
  override name = "BundleTooLargeError";
}

async function collect(root: string, dir: string, out: string[], limits: BundleLimits) {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  );
  for (const entry of entries) {
    if (skipped(entry.name)) continue;
    const full = join(dir, entry.name);
    const info = await stat(full).catch(() => undefined); // a dangling link is left out
    if (info?.isDirectory()) await collect(root, full, out, limits);
    else if (info?.isFile()) out.push(full);
    if (out.length > limits.maxFiles) {
      throw new BundleTooLargeError(`${root} has more than ${limits.maxFiles} files`);
    }
  }
}

/** The folder (or one file) as bundle bytes and their SHA-256 (hex). */
export async function packFolder(
  root: string,
  limits: BundleLimits,
): Promise<{ bytes: Buffer; sha256: string; files: number }> {
  const top = await stat(root);
  const paths: string[] = [];
  if (top.isFile()) paths.push(root);
  else await collect(root, root, paths, limits);
  const base = top.isFile() ? dirname(root) : root;
  let size = 0;
  const files: FolderBundle["files"] = [];
  for (const full of paths) {
    const [data, info] = await Promise.all([readFile(full), stat(full)]);
    size += data.length;
    if (size > limits.maxBytes) {
      const mb = Math.round(limits.maxBytes / 2 ** 20);
      throw new BundleTooLargeError(`${root} holds more than ${mb} MiB`);
    }
    const path = relative(base, full).split(sep).join("/");
    files.push({ path, executable: (info.mode & 0o111) !== 0, data: data.toString("base64") });
  }
  const bundle: FolderBundle = { format: BUNDLE_FORMAT, files };
  const bytes = Buffer.from(JSON.stringify(bundle));
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex"), files: files.length };
}

/** Writes a bundle's files under `dir`; a path that would leave `dir` is refused. */
export async function unpackFolder(bytes: Uint8Array, dir: string): Promise<number> {
  const bundle = JSON.parse(Buffer.from(bytes).toString("utf8")) as FolderBundle;
  if (bundle.format !== BUNDLE_FORMAT || !Array.isArray(bundle.files)) {
    throw new Error(`not a ${BUNDLE_FORMAT} bundle`);
  }
  const root = resolve(dir);
  for (const file of bundle.files) {
    const target = resolve(root, file.path);
    if (!target.startsWith(root + sep)) throw new Error(`bundle path ${file.path} leaves ${dir}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, Buffer.from(file.data, "base64"));
    if (file.executable) await chmod(target, 0o755);
  }
  return bundle.files.length;
}
