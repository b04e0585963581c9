/**
 * The sweep spec: schema, validation errors, grid expansion, stable ids. Pure and free of Node
 * built-ins, so workflow code may import it. Reading spec files lives in `spec/file.ts`.
 */
export { canonicalJson, sha256Hex } from "./canonical";
export { formatPath, SpecError, type SpecProblem } from "./errors";
export {
  countTrials,
  datasetConfigOf,
  type Expandable,
  expandTrials,
  MAX_TRIALS,
  type TrialRange,
  trialAt,
  trialCountBound,
} from "./expand";
export {
  appliesTo,
  GRID_KEYS,
  OPTIMIZER_DEFAULTS,
  OPTIMIZER_NAMES,
  resolveOptimizer,
  settingsOf,
} from "./optimizer-defaults";
export { parseSpec, withSeeds } from "./parse";
export { objectiveOf, SweepSpecSchema } from "./schema";
export { MAX_PARALLEL } from "./sections";
export { sweepIdFor } from "./sweep-id";
export { trialIdHasher, trialIdOf } from "./trial-id";
export type * from "./types";
