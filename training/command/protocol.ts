import type { EpochRecord } from "../../spec/types";

/**
 * The command trial protocol (spec/README.md, "Command trials"): every line the process writes
 * (on stdout, or to its metrics file) that starts with `{` is a JSON object for hypersweep; any
 * other line is ordinary output. An object reports an epoch (`epoch` and its metrics), a saved
 * checkpoint (`checkpoint`: a path in the checkpoint folder), or both. Pure, so unit tests reach it.
 */

/** The metric names accepted for each record field (Keras' names, snake case, ours). */
const FIELDS: Record<Exclude<keyof EpochRecord, "epoch" | "seconds">, string[]> = {
  trainLoss: ["loss", "train_loss", "trainLoss"],
  valLoss: ["val_loss", "valLoss"],
  trainMetric: [
    "accuracy",
    "acc",
    "mse",
    "metric",
    "train_accuracy",
    "train_mse",
    "train_metric",
    "trainMetric",
  ],
  valMetric: ["val_accuracy", "val_acc", "val_mse", "val_metric", "valMetric"],
};

export type ProtocolEvent =
  | { kind: "epoch"; record: EpochRecord; finite: boolean; timed: boolean }
  | { kind: "checkpoint"; path: string };

/** A protocol line that is not what the protocol says; `line` is 1-based in its channel. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  constructor(
    readonly line: number,
    readonly text: string,
    problem: string,
  ) {
    super(`line ${line}: ${problem}: ${text.length > 200 ? `${text.slice(0, 197)}...` : text}`);
  }
}

/** True for lines meant for hypersweep. */
export const isProtocolLine = (text: string): boolean => text.trimStart().startsWith("{");

const NON_FINITE = "__hypersweep_non_finite__";

/** Python's json writes NaN and Infinity bare; JSON.parse does not read them, so quote them first. */
function parseObject(text: string): unknown {
  const quoted = text.replace(
    /([:[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g,
    (_all, before: string) => `${before}"${NON_FINITE}"`,
  );
  return JSON.parse(quoted);
}

/** A metric value: a finite number, or NaN for a non-finite one (null, NaN, Infinity). */
function metricValue(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (value === null || value === NON_FINITE) return Number.NaN;
  return undefined;
}

function epochRecord(object: Record<string, unknown>, fail: (p: string) => never): ProtocolEvent {
  const epoch = object.epoch;
  if (typeof epoch !== "number" || !Number.isSafeInteger(epoch) || epoch < 1) {
    fail(`"epoch" must be a whole number, at least 1`);
  }
  const record: Partial<EpochRecord> = { epoch };
  const missing: string[] = [];
  for (const [field, names] of Object.entries(FIELDS) as [keyof typeof FIELDS, string[]][]) {
    const name = names.find((n) => n in object);
    if (name === undefined) {
      missing.push(`${field} (${names.slice(0, 2).join(" or ")})`);
      continue;
    }
    const value = metricValue(object[name]);
    if (value === undefined) fail(`"${name}" must be a number`);
    record[field] = value;
  }
  if (missing.length) fail(`epoch ${epoch} lacks ${missing.join(", ")}`);
  const seconds = object.seconds;
  if (seconds !== undefined && (typeof seconds !== "number" || !(seconds >= 0))) {
    fail(`"seconds" must be a number of seconds`);
  }
  const full = { ...record, seconds: typeof seconds === "number" ? seconds : 0 } as EpochRecord;
  const finite = [full.trainLoss, full.valLoss, full.trainMetric, full.valMetric].every(
    Number.isFinite,
  );
  return { kind: "epoch", record: full, finite, timed: typeof seconds === "number" };
}

/**
 * The events of one protocol line (an epoch, a checkpoint, or the epoch then the checkpoint).
 * Throws `ProtocolError` naming the line for anything malformed.
 */
export function parseProtocolLine(text: string, line: number): ProtocolEvent[] {
  const fail = (problem: string): never => {
    throw new ProtocolError(line, text.trim(), problem);
  };
  let object: unknown;
  try {
    object = parseObject(text);
  } catch {
    fail("not valid JSON (a line starting with { is a protocol line)");
  }
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    fail("not a JSON object");
  }
  const record = object as Record<string, unknown>;
  const events: ProtocolEvent[] = [];
  if ("epoch" in record) events.push(epochRecord(record, fail));
  if ("checkpoint" in record) {
    const path = record.checkpoint;
    if (typeof path !== "string" || path.trim() === "") {
      fail(`"checkpoint" must be a path in the checkpoint folder, e.g. "epoch-3" or "."`);
    }
    events.push({ kind: "checkpoint", path: (path as string).trim() });
  }
  if (events.length === 0) fail(`a protocol line needs "epoch" or "checkpoint"`);
  return events;
}
