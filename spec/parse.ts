import { problemsFromIssues, SpecError } from "./errors";
import { allowedKeys, SweepSpecSchema } from "./schema";
import type { SweepSpec } from "./types";

/**
 * Validates a spec already decoded from YAML or JSON and fills in every default.
 * Throws a `SpecError` listing every problem, each with its path. Parsing the result again
 * gives an equal spec.
 *
 * @example
 * const spec = parseSpec(YAML.parse(text), "sweep.yaml");
 * // SpecError: invalid spec sweep.yaml: 1 problem
 * //   grid.learningRate[2]: must be a positive number
 */
export function parseSpec(raw: unknown, origin?: string): SweepSpec {
  const result = SweepSpecSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new SpecError(problemsFromIssues(result.error.issues, raw, allowedKeys), origin);
}

/**
 * The same spec with the grid's seeds replaced, validated again (explicit trials without a seed
 * follow the new seeds).
 *
 * @example countTrials(withSeeds(spec, [1])) // one trial per grid point
 */
export function withSeeds(spec: SweepSpec, seeds: number[]): SweepSpec {
  return parseSpec({ ...spec, grid: { ...spec.grid, seed: seeds } });
}
