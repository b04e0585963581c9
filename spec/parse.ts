import type { z } from "zod";
import { TRAINABLE_KEY, withTrainableAsModel } from "./command";
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
  // `trainable:` is `model: { type: command }` as users write it; problems keep their spelling.
  const { raw: input, aliased } = withTrainableAsModel(raw);
  const result = SweepSpecSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = aliased ? result.error.issues.map(asTrainable) : result.error.issues;
  throw new SpecError(problemsFromIssues(issues, raw, allowedKeys), origin);
}

function asTrainable(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.path[0] !== "model") return issue;
  return { ...issue, path: [TRAINABLE_KEY, ...issue.path.slice(1)] };
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
