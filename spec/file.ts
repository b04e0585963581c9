import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type Document, isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { parsePath, SpecError, type SpecProblem } from "./errors";
import { parseSpec } from "./parse";
import type { SweepSpec } from "./types";

/**
 * Reading specs from disk: Node-only, so deliberately not exported from `spec/index.ts`
 * (workflow code must not reach `node:fs`). The CLI imports this module directly.
 */

export interface LoadedSpec {
  spec: SweepSpec;
  /** Absolute folder of the spec file: relative dataset paths resolve against it. */
  dir: string;
}

/**
 * Reads and validates a YAML or JSON spec file. JSON is read by the same YAML 1.2 parser (JSON
 * is a subset of it), so problems in either carry the line they are on.
 * Throws a `SpecError` for a missing file, a syntax error, or an invalid spec.
 *
 * @example
 * const { spec, dir } = await loadSpecFile("examples/seed/02-mlp-lr.yaml");
 */
export async function loadSpecFile(path: string): Promise<LoadedSpec> {
  const text = await readSpecText(path);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      path: "",
      message: `YAML syntax error: ${e.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}`,
      ...(e.linePos ? { line: e.linePos[0].line } : {}),
    }));
    throw new SpecError(problems, path);
  }
  if (doc.contents === null)
    throw new SpecError([{ path: "", message: "the file is empty" }], path);
  try {
    return { spec: parseSpec(toPlain(doc, path), path), dir: dirname(resolve(path)) };
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    throw new SpecError(withLines(error.problems, doc, lines), path);
  }
}

/** The absolute path of a spec's local dataset, or undefined when it lives in S3. */
export function resolveDatasetPath(loaded: LoadedSpec): string | undefined {
  const { path } = loaded.spec.dataset;
  return path === undefined ? undefined : resolve(loaded.dir, path);
}

/** A spec never needs many aliases; an alias bomb expands exponentially, so cap them. */
const MAX_ALIASES = 100;

function toPlain(doc: Document, path: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    // yaml throws a ReferenceError for alias overuse (and for an alias to a missing anchor).
    if (!(error instanceof ReferenceError)) throw error;
    const message = /alias count/i.test(error.message)
      ? `too many YAML aliases (more than ${MAX_ALIASES} expansions): is it an alias bomb?`
      : `YAML alias error: ${error.message}`;
    throw new SpecError([{ path: "", message }], path);
  }
}

async function readSpecText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder" : code;
    throw new SpecError(
      [{ path: "", message: `cannot read ${path}: ${reason ?? String(error)}` }],
      path,
    );
  }
}

function withLines(problems: SpecProblem[], doc: Document, lines: LineCounter): SpecProblem[] {
  return problems.map((problem) => {
    const offset = offsetOf(doc, parsePath(problem.path));
    return offset === undefined ? problem : { ...problem, line: lines.linePos(offset).line };
  });
}

/** Where the deepest existing part of `path` starts (a missing key points at its parent). */
function offsetOf(doc: Document, path: Array<string | number>): number | undefined {
  let node = doc.contents as Node | null;
  let offset = node?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === segment);
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment] as Node | null;
      if (!node) break;
      offset = node.range?.[0] ?? offset;
    } else if (typeof segment !== "number") {
      break;
    }
  }
  return offset;
}
