// The engine's bad-input errors belong to the shared vocabulary in errors/.
export { DataError, TrainingConfigError } from "../errors";
