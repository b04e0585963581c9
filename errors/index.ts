/** The error vocabulary (pure: workflows import it too). See `errors/README.md`. */
export {
  CommandError,
  ConfigError,
  DataError,
  ERROR_CLASSES,
  ModelModuleError,
  SpecError,
  type SpecProblem,
  TrainingConfigError,
  UsageError,
} from "./classes";
export {
  BadInputError,
  DISPOSITIONS,
  type Disposition,
  dispositionOf,
  type ErrorKind,
  HypersweepError,
  InternalError,
  TransientError,
} from "./hypersweep-error";
export { NON_RETRYABLE_ERROR_TYPES, toApplicationFailure } from "./temporal";
