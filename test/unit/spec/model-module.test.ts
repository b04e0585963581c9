import { describe, expect, it } from "vitest";
import { expandTrials, parseSpec, SpecError, type SpecProblem } from "../../../spec";
import { type RawSpec, rawSpec } from "./fixtures";

function problemsOf(raw: unknown): Array<[string, string]> {
  try {
    parseSpec(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems.map((p: SpecProblem) => [p.path, p.message]);
  }
  throw new Error("expected the spec to be rejected");
}

const CODE = `s3://code/${"a".repeat(64)}/net.ts.cjs`;

function moduleSpec(module: string, extra: Record<string, unknown> = {}): RawSpec {
  return { ...rawSpec(), model: { module }, ...extra };
}

describe("model: { module }", () => {
  it("is a module model without a type, and its free params reach the trials", () => {
    const spec = parseSpec(
      moduleSpec("./models/net.ts", {
        grid: { optimizer: ["adam"], seed: [1], params: { filters: [4, 8] } },
      }),
    );
    expect(spec.model).toEqual({ type: "module", module: "./models/net.ts" });
    const trials = expandTrials(spec);
    expect(trials.map((t) => t.config.params)).toEqual([{ filters: 4 }, { filters: 8 }]);
    expect(parseSpec({ ...rawSpec(), model: { type: "module", module: "net.mjs" } }).model).toEqual(
      {
        type: "module",
        module: "net.mjs",
      },
    );
  });

  it("makes the bundle's key, and so its hash, part of every trial id", () => {
    const ids = (module: string) =>
      expandTrials(parseSpec(moduleSpec(module))).map((t) => t.trialId);
    const a = ids(CODE);
    const b = ids(CODE.replace("a".repeat(64), "b".repeat(64)));
    expect(a).toHaveLength(6);
    for (const [i, id] of a.entries()) expect(b[i]).not.toBe(id);
    expect(ids(CODE)).toEqual(a);
  });

  it("names a bad module path and MLP keys a module cannot take", () => {
    expect(problemsOf(moduleSpec("net.py"))).toEqual([
      ["model.module", "must name a TypeScript or JavaScript file (.ts, .mts, .js, .mjs, ...)"],
    ]);
    expect(problemsOf(moduleSpec(""))).toEqual([["model.module", "must not be empty"]]);
    const raw = moduleSpec("net.ts");
    raw.grid.dropout = [0.1];
    expect(problemsOf(raw)).toEqual([
      [
        "grid.dropout",
        "varies the built-in MLP; a model module takes its settings from params (grid.params.dropout)",
      ],
    ]);
    const typo = problemsOf({ ...rawSpec(), model: { module: "net.ts", hiden: [3] } });
    expect(typo[0]?.[0]).toBe("model.hiden");
    expect(typo[0]?.[1]).toMatch(/module/);
    expect(problemsOf({ ...rawSpec(), model: { type: "conv" } })).toEqual([
      ["model.type", 'must be linear, mlp, command or module (got "conv")'],
    ]);
  });
});
