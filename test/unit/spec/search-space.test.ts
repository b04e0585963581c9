import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  countTrials,
  expandTrials,
  parseSpec,
  randomPoint,
  type SweepSpec,
  searchSpaceOf,
  sweepIdFor,
  trialIdOf,
} from "../../../spec";
import { loadSpecFile } from "../../../spec/file";
import { rawSpec } from "./fixtures";

function randomSpec(grid: Record<string, unknown>, search: Record<string, unknown> = {}) {
  return parseSpec({
    ...rawSpec(),
    grid: { optimizer: ["sgd"], seed: [1], ...grid },
    search: { method: "random", trials: 5, seed: 3, ...search },
  });
}
const params = (s: SweepSpec) => expandTrials(s).map((t) => t.params);

describe("random search expansion", () => {
  it("samples within bounds, on a log scale for loguniform, rounded to 6 significant digits", () => {
    const s = randomSpec({ learningRate: { loguniform: [1e-5, 1] } }, { trials: 200 });
    const rates = params(s).map((p) => p.learningRate as number);
    expect(rates).toHaveLength(200);
    for (const r of rates) {
      expect(r).toBeGreaterThanOrEqual(1e-5);
      expect(r).toBeLessThanOrEqual(1);
      expect(Number(r.toPrecision(6))).toBe(r);
    }
    // Log-uniform: about a fifth of the draws in each decade; uniform would put 90% in the last.
    const lastDecade = rates.filter((r) => r >= 0.1).length / rates.length;
    expect(lastDecade).toBeGreaterThan(0.1);
    expect(lastDecade).toBeLessThan(0.3);
  });

  it("is a pure function of the spec: equal specs, equal trials; another seed, other trials", () => {
    const grid = { learningRate: { loguniform: [1e-4, 0.1] }, momentum: { uniform: [0, 0.9] } };
    expect(expandTrials(randomSpec(grid))).toEqual(expandTrials(randomSpec(grid)));
    expect(params(randomSpec(grid, { seed: 4 }))).not.toEqual(params(randomSpec(grid)));
  });

  it("keeps the first points when trials grows, so their trial ids stay", () => {
    const grid = { learningRate: { loguniform: [1e-4, 0.1] } };
    const five = expandTrials(randomSpec(grid)).map((t) => t.trialId);
    const eight = expandTrials(randomSpec(grid, { trials: 8 })).map((t) => t.trialId);
    expect(eight.slice(0, 5)).toEqual(five);
  });

  it("crosses each sampled point with the grid lists, the point outermost", () => {
    const s = randomSpec(
      { optimizer: ["sgd", "adam"], learningRate: { loguniform: [1e-4, 0.1] }, seed: [1, 2] },
      { trials: 3 },
    );
    const ps = params(s);
    expect(ps).toHaveLength(12);
    expect(ps.slice(0, 4).map((p) => [p.optimizer, p.seed])).toEqual([
      ["sgd", 1],
      ["sgd", 2],
      ["adam", 1],
      ["adam", 2],
    ]);
    expect(new Set(ps.slice(0, 4).map((p) => p.learningRate)).size).toBe(1);
    expect(new Set(ps.map((p) => p.learningRate)).size).toBe(3);
  });

  it("applies a setting only to optimizers that use it, and only where its when holds", () => {
    const s = randomSpec(
      {
        optimizer: { choice: ["sgd", "adam"] },
        momentum: { uniform: [0.5, 0.9], when: { nesterov: [true] } },
        nesterov: [true, false],
        beta1: { uniform: [0.8, 0.95] },
      },
      { trials: 40 },
    );
    const ps = params(s);
    expect(new Set(ps.map((p) => p.optimizer))).toEqual(new Set(["sgd", "adam"]));
    for (const p of ps) {
      expect("beta1" in p).toBe(p.optimizer === "adam");
      expect("nesterov" in p).toBe(p.optimizer === "sgd");
      expect("momentum" in p).toBe(p.optimizer === "sgd" && p.nesterov === true);
    }
  });

  it("samples whole numbers for int, with step and log, and sets the trial's batch size", () => {
    const stepped = randomSpec({ batchSize: { int: [8, 64], step: 8 } }, { trials: 50 });
    for (const t of expandTrials(stepped)) {
      expect((t.params.batchSize as number) % 8).toBe(0);
      expect(t.config.batchSize).toBe(t.params.batchSize);
      expect(trialIdOf(t.config)).toBe(t.trialId);
    }
    // Draws straight from the space: expansion would merge the many equal small sizes.
    const space = searchSpaceOf(randomSpec({ batchSize: { int: [1, 1024], log: true } }).grid);
    const sizes = Array.from(
      { length: 200 },
      (_, i) => randomPoint(space, 3, i).batchSize as number,
    );
    const small = sizes.filter((b) => b <= 32).length / sizes.length;
    // Log scale: about half at or below 32 = sqrt(1024) (uniform would give 3%).
    expect(small).toBeGreaterThan(0.35);
    expect(small).toBeLessThan(0.65);
    expect(sizes.every((b) => Number.isInteger(b) && b >= 1 && b <= 1024)).toBe(true);
  });

  it("draws choice values and de-duplicates equal trials", () => {
    const s = randomSpec({ learningRate: { choice: [0.1, 0.01] } }, { trials: 20 });
    expect(countTrials(s)).toBe(2);
    expect(new Set(params(s).map((p) => p.learningRate))).toEqual(new Set([0.1, 0.01]));
  });

  it("parses its own output to an equal spec (the workflow re-validates nothing, ids stay)", () => {
    const s = randomSpec({
      learningRate: { loguniform: [1e-4, 0.1] },
      batchSize: { int: [8, 64] },
    });
    expect(parseSpec(s)).toEqual(s);
    expect(sweepIdFor(parseSpec(s))).toBe(sweepIdFor(s));
  });

  it("describes the sampled part of the space for samplers", () => {
    const s = randomSpec({ learningRate: { loguniform: [1e-4, 0.1] }, momentum: [0, 0.9] });
    expect(searchSpaceOf(s.grid)).toEqual({
      optimizers: ["sgd"],
      params: [{ key: "learningRate", dist: { kind: "float", low: 1e-4, high: 0.1, log: true } }],
    });
  });
});

describe("specs written before search existed", () => {
  // Pinned from main before distributions were added: grid specs keep their sweep and trial ids.
  const PINNED = {
    "01-linear-lr": ["linear-lr-f8f982d3", 24, "t-90a6d4fb30e7e5a8", "t-3701687b63428b36"],
    "02-mlp-lr": ["mlp-lr-f226492e", 24, "t-0f8a6d0c0770755d", "t-20166a39bc15ab01"],
    "03-momentum": ["momentum-248c4280", 12, "t-89bcf2cd881c01ac", "t-0e09bf8100f3eca9"],
    "04-optimizers": ["optimizers-2c40dc48", 12, "t-9f6af0b4af800176", "t-3785d6d080d4c68d"],
  } as const;

  for (const [file, [sweepId, count, first, last]] of Object.entries(PINNED)) {
    it(`${file} keeps its sweep id and trial ids`, async () => {
      const { spec } = await loadSpecFile(resolve("examples/seed", `${file}.yaml`));
      const ids = expandTrials(spec).map((t) => t.trialId);
      expect([sweepIdFor(spec), ids.length, ids[0], ids.at(-1)]).toEqual([
        sweepId,
        count,
        first,
        last,
      ]);
    });
  }

  it("the search example validates and samples 16 points x 2 seeds", async () => {
    const { spec } = await loadSpecFile(resolve("examples/search/random-lr-momentum.yaml"));
    expect(countTrials(spec)).toBe(32);
  });
});
