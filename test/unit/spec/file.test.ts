import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SpecError } from "../../../spec";
import { loadSpecFile } from "../../../spec/file";
import { rawSpec } from "./fixtures";

const dir = mkdtempSync(join(tmpdir(), "hypersweep-spec-"));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function failure(path: string): Promise<SpecError> {
  const error = await loadSpecFile(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SpecError);
  return error as SpecError;
}

const VALID_YAML = `name: from-yaml
dataset:
  path: data.csv
  features: [x1, x2]
  target: y
  task: regression
  split: {head: 10}
model: {type: linear}
training: {epochs: 3}
grid:
  optimizer: sgd
  learningRate: [0.1, 0.01]
`;

describe("loadSpecFile", () => {
  it("reads YAML and returns the spec with its folder", async () => {
    const loaded = await loadSpecFile(write("ok.yaml", VALID_YAML));
    expect(loaded.dir).toBe(dir);
    expect(loaded.spec.name).toBe("from-yaml");
    expect(loaded.spec.grid).toEqual({ optimizer: ["sgd"], learningRate: [0.1, 0.01], seed: [0] });
  });

  it("reads JSON, whatever the extension", async () => {
    const loaded = await loadSpecFile(write("ok.spec", JSON.stringify(rawSpec())));
    expect(loaded.spec.name).toBe("fixture");
  });

  it("names a missing file", async () => {
    const path = join(dir, "nope.yaml");
    const error = await failure(path);
    expect(error.problems).toEqual([{ path: "", message: `cannot read ${path}: no such file` }]);
    expect(error.message).toContain(path);
  });

  it("names the file and line of a YAML syntax error", async () => {
    const path = write("broken.yaml", "name: x\ngrid:\n  optimizer: [sgd\n  seed: 1\n");
    const error = await failure(path);
    expect(error.origin).toBe(path);
    expect(error.problems[0]?.line).toBe(4);
    expect(error.problems[0]?.message).toMatch(/^YAML syntax error: /);
    expect(error.message).toMatch(
      new RegExp(`^invalid spec ${path}: .*\\n  line 4: YAML syntax error`),
    );
  });

  it("rejects duplicate keys as a syntax error", async () => {
    const error = await failure(write("dup.yaml", `${VALID_YAML}name: again\n`));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.line).toBe(13);
  });

  it("rejects an empty file", async () => {
    const error = await failure(write("empty.yaml", "# nothing\n"));
    expect(error.problems).toEqual([{ path: "", message: "the file is empty" }]);
  });

  it("adds the line of each invalid value, and of the parent for a missing key", async () => {
    const text = VALID_YAML.replace("[0.1, 0.01]", "\n    - 0.1\n    - -5").replace(
      "  target: y\n",
      "",
    );
    const error = await failure(write("bad.yaml", text));
    expect(error.problems).toEqual([
      { path: "dataset.target", message: "is required", line: 2 },
      { path: "grid.learningRate[1]", message: "must be a positive number", line: 13 },
    ]);
    expect(error.message).toContain("  grid.learningRate[1] (line 13): must be a positive number");
  });

  it("refuses a YAML alias bomb with a spec error naming the file", async () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const [prev, name] of [
      ["a", "b"],
      ["b", "c"],
      ["c", "d"],
      ["d", "e"],
    ] as const)
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    const path = write("bomb.yaml", `${levels.join("\n")}\n`);
    const error = await failure(path);
    expect(error.origin).toBe(path);
    expect(error.problems).toEqual([
      {
        path: "",
        message: "too many YAML aliases (more than 100 expansions): is it an alias bomb?",
        line: 1,
      },
    ]);
  });

  it("still expands a few aliases", async () => {
    const text = VALID_YAML.replace("task: regression", "task: &t regression").concat(
      "description: *t\n",
    );
    const loaded = await loadSpecFile(write("alias.yaml", text));
    expect(loaded.spec.description).toBe("regression");
  });
});
