/**
 * The sweep spec: schema, validation errors, grid expansion and sampling, the TPE sampler and
 * early-stopping rules, stable ids. Pure and free of Node built-ins, so workflow code may import
 * it. Reading spec files lives in `spec/file.ts`.
 */
export { canonicalJson, sha256Hex } from "./canonical";
export { formatPath, SpecError, type SpecProblem } from "./errors";
export {
  countTrials,
  datasetConfigOf,
  type Expandable,
  expandPoint,
  expandTrials,
  MAX_TRIALS,
  randomPoint,
  sampledPointCount,
  trialCountBound,
} from "./expand";
export { MAX_PARALLEL, maxParallelProblem } from "./max-parallel";
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
export {
  type AshaConfig,
  type AshaDecision,
  type AshaState,
  ashaRungs,
  initialAshaState,
  nextMilestone,
  onRungResult,
} from "./search/asha";
export {
  initialMedianState,
  type MedianConfig,
  type MedianDecision,
  type MedianState,
  onEpochResult,
} from "./search/median-stopping";
export { type Observation, proposeNext, type TpeOptions } from "./search/tpe";
export { createRng, type Rng } from "./space/rng";
export {
  isActive,
  isDistribution,
  type ParamDist,
  type Point,
  type SearchSpace,
  type SpaceParam,
  samplePoint,
  searchSpaceOf,
} from "./space/space";
export { sweepIdFor } from "./sweep-id";
export { lineageIdOf, trialIdHasher, trialIdOf } from "./trial-id";
export type * from "./types";
