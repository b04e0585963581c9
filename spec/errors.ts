import type { z } from "zod";
import type { SpecProblem } from "../errors";

// SpecError lives in errors/ with the rest of the error vocabulary.
export { SpecError, type SpecProblem } from "../errors";

type Path = readonly PropertyKey[];

/**
 * Formats a path as users write it: `grid.learningRate[2]`. A `[0]` that zod added to a scalar
 * given where a list is accepted (`momentum: 0.9`) is left out, since the user wrote no list.
 */
export function formatPath(path: Path, raw: unknown): string {
  let text = "";
  let value: unknown = raw;
  for (const segment of path) {
    if (typeof segment === "number") {
      if (!Array.isArray(value)) continue;
      text += `[${segment}]`;
      value = value[segment];
      continue;
    }
    const key = String(segment);
    text += /^[A-Za-z_$][\w$]*$/.test(key)
      ? `${text ? "." : ""}${key}`
      : `[${JSON.stringify(key)}]`;
    value = isRecord(value) ? value[key] : undefined;
  }
  return text;
}

/** The segments of a path `formatPath` wrote: `a.b[2]["x y"]` → `["a", "b", 2, "x y"]`. */
export function parsePath(text: string): Array<string | number> {
  const segments: Array<string | number> = [];
  for (const m of text.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(JSON.parse(m[3]) as string);
  }
  return segments;
}

/** The raw value at `path`, following the same scalar-as-list rule as `formatPath`. */
export function valueAt(raw: unknown, path: Path): unknown {
  let value = raw;
  for (const segment of path) {
    if (typeof segment === "number") {
      if (Array.isArray(value)) value = value[segment];
    } else {
      value = isRecord(value) ? value[String(segment)] : undefined;
    }
  }
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How a value reads in a message: `"abc"`, `12`, `a list`. */
export function describe(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  }
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

const EXPECTED: Record<string, string> = {
  number: "a number",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "an object (key: value pairs)",
};

/** Allowed keys of the object at a path, for "unknown key" messages. */
export type AllowedKeys = (path: Path, raw: unknown) => readonly string[] | undefined;

/** Turns zod issues into user-facing problems, one per issue (one per unknown key). */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  allowedKeys: AllowedKeys,
): SpecProblem[] {
  return issues.flatMap((issue): SpecProblem[] => {
    if (issue.code === "unrecognized_keys") {
      const allowed = allowedKeys(issue.path, raw) ?? [];
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key], raw),
        message: unknownKeyMessage(key, allowed),
      }));
    }
    return [{ path: formatPath(issue.path, raw), message: messageOf(issue, raw) }];
  });
}

function messageOf(issue: z.core.$ZodIssue, raw: unknown): string {
  const value = valueAt(raw, issue.path);
  if (issue.code === "invalid_type") {
    if (value === undefined) return "is required";
    if (issue.expected === "number" && typeof value === "number") return "must be a finite number";
    return `must be ${EXPECTED[issue.expected] ?? issue.expected} (got ${describe(value)})`;
  }
  if (issue.code === "invalid_value") {
    return `must be one of ${issue.values.map(String).join(", ")} (got ${describe(value)})`;
  }
  return issue.message;
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const near = allowed.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  if (near !== undefined) return `unknown key (did you mean "${near}"?)`;
  return allowed.length ? `unknown key (allowed: ${allowed.join(", ")})` : "unknown key";
}

/** Levenshtein distance; keys are short, so the quadratic table is fine. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
