/**
 * The training engine: data sets, models, Keras-default optimizers, a seeded training loop,
 * divergence detection and checkpoints. Free of Temporal, storage and metrics: callers pass
 * callbacks in.
 */
export { type BackendName, currentBackend, initBackend } from "./backend";
export { CHECKPOINT_VERSION, CheckpointError, decodeCheckpoint } from "./checkpoint";
export { irisCsv } from "./data/builtin";
export { loadDataset, type PreparedData } from "./data/load";
export { DataError, TrainingConfigError } from "./errors";
export {
  type TrainOptions,
  type TrainPackOptions,
  type TrainResult,
  trainPack,
  trainTrial,
} from "./loop";
export { resolveOptimizer } from "./optimizers";
export { packKey } from "./packed/loop";
export { buildUserModel } from "./user-model/build";
export {
  evaluateBundle,
  loadModelCode,
  type ModelCode,
  type ModelContext,
  sha256Of,
  TFJS_PACKAGES,
} from "./user-model/code";
