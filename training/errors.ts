/** Bad input data (missing column, bad cell, label out of range, too few rows). Not retryable. */
export class DataError extends Error {
  override name = "DataError";
}

/** A trial config the engine cannot train (e.g. a linear model on a classification task). */
export class TrainingConfigError extends Error {
  override name = "TrainingConfigError";
}
