import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";

/** A Kubernetes object as read from YAML. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Renders a kustomization offline, for `npm run check:deploy` (kustomize itself is a Go build
 * away and the check must run anywhere Node does). It supports exactly what our manifests use,
 * `resources` (files and folders) and `patches` as JSON 6902 with a kind/name target, whose
 * meaning is fixed by RFC 6902; any other key is refused, so nothing is silently ignored.
 */
export function renderKustomization(dir: string): Manifest[] {
  const file = join(dir, "kustomization.yaml");
  const k = parseYaml(readFileSync(file, "utf8")) as Record<string, unknown>;
  const unsupported = Object.keys(k).filter(
    (key) => !["apiVersion", "kind", "resources", "patches"].includes(key),
  );
  if (unsupported.length > 0) {
    throw new Error(`${file}: ${unsupported.join(", ")} not supported by the offline renderer`);
  }
  const resources = ((k.resources ?? []) as string[]).flatMap((r) => loadResource(join(dir, r)));
  for (const patch of (k.patches ?? []) as PatchRef[]) applyPatchRef(dir, patch, resources);
  return resources;
}

interface PatchRef {
  path: string;
  target: { kind: string; name: string };
}

function loadResource(path: string): Manifest[] {
  if (!existsSync(path)) throw new Error(`${path}: no such resource`);
  if (statSync(path).isDirectory()) return renderKustomization(path);
  return parseAllDocuments(readFileSync(path, "utf8")).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
    return doc.toJS() as Manifest;
  });
}

function applyPatchRef(dir: string, ref: PatchRef, resources: Manifest[]): void {
  const file = join(dir, ref.path);
  const ops = parseYaml(readFileSync(file, "utf8")) as PatchOp[];
  const targets = resources.filter(
    (r) => r.kind === ref.target.kind && r.metadata.name === ref.target.name,
  );
  if (targets.length === 0) {
    throw new Error(`${relative(dirname(dir), file)}: no ${ref.target.kind}/${ref.target.name}`);
  }
  for (const target of targets) for (const op of ops) applyOp(target, op, file);
}

/** One RFC 6902 operation (the ones our overlays use). */
interface PatchOp {
  op: "add" | "replace" | "remove";
  path: string;
  value?: unknown;
}

function applyOp(doc: object, op: PatchOp, file: string): void {
  const keys = op.path
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const last = keys.pop();
  let node = doc as Record<string, unknown>;
  for (const key of keys) {
    const next = node[key];
    if (typeof next !== "object" || next === null)
      throw new Error(`${file}: ${op.path}: no such path`);
    node = next as Record<string, unknown>;
  }
  if (last === undefined) throw new Error(`${file}: ${op.path}: cannot patch the root`);
  if (Array.isArray(node)) {
    const index = last === "-" ? node.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > node.length)
      throw new Error(`${file}: ${op.path}: no such index`);
    if (op.op === "add") node.splice(index, 0, op.value);
    else if (op.op === "replace") node.splice(index, 1, op.value);
    else node.splice(index, 1);
    return;
  }
  if (op.op !== "add" && !(last in node)) throw new Error(`${file}: ${op.path}: no such member`);
  if (op.op === "remove") delete node[last];
  else node[last] = op.value;
}
