import type { EpochRecord, TrialConfig } from "../spec/types";
import type { NamedArray } from "./model";
import type { RngState } from "./rng";

const MAGIC = "HSCK";
export const CHECKPOINT_VERSION = 1;

/** Thrown when checkpoint bytes are unreadable or belong to a different trial. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}

/** Everything needed to continue a trial exactly where it stopped. */
export interface CheckpointState {
  model: "linear" | "mlp" | "module";
  /** The settings that shape the state; a resume must match them. */
  identity: TrialIdentity;
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken. */
  iterations: number;
  rng: RngState;
  records: EpochRecord[];
  arrays: NamedArray[];
}

export type TrialIdentity = Pick<TrialConfig, "model" | "optimizer" | "batchSize" | "seed">;

export const trialIdentity = (t: TrialConfig): TrialIdentity => ({
  model: t.model,
  optimizer: t.optimizer,
  batchSize: t.batchSize,
  seed: t.seed,
});

/** JSON has no NaN/Infinity/-0; a diverging record may hold them, so they travel as strings. */
const NONFINITE = new Set(["NaN", "Infinity", "-Infinity", "-0"]);
const replacer = (_k: string, v: unknown) =>
  typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0))
    ? Object.is(v, -0)
      ? "-0"
      : String(v)
    : v;
const reviver = (_k: string, v: unknown) =>
  typeof v === "string" && NONFINITE.has(v) ? Number(v) : v;

/**
 * Layout: "HSCK", u32 version, u32 header length, UTF-8 JSON header, zero padding to 8 bytes,
 * then each array's little-endian bytes at the offset its header entry names.
 */
export function encodeCheckpoint(state: CheckpointState): Uint8Array {
  let offset = 0;
  const entries = state.arrays.map((a) => {
    const entry = { name: a.name, dtype: a.dtype, shape: a.shape, offset, length: a.data.length };
    offset += a.data.byteLength;
    return entry;
  });
  const { arrays: _omit, ...rest } = state;
  const header = new TextEncoder().encode(JSON.stringify({ ...rest, arrays: entries }, replacer));
  const start = Math.ceil((12 + header.length) / 8) * 8;
  const out = new Uint8Array(start + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, CHECKPOINT_VERSION, true);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  state.arrays.forEach((a, i) => {
    out.set(
      new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength),
      start + entries[i]!.offset,
    );
  });
  return out;
}

/** Parses checkpoint bytes; throws `CheckpointError` for anything malformed or of another version. */
export function decodeCheckpoint(bytes: Uint8Array): CheckpointState {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new CheckpointError("not a hypersweep checkpoint (bad magic)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `checkpoint version ${version} is not supported (expected ${CHECKPOINT_VERSION})`,
    );
  }
  const headerLen = view.getUint32(8, true);
  const start = Math.ceil((12 + headerLen) / 8) * 8;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLen)), reviver);
  const arrays = (
    header.arrays as Array<Omit<NamedArray, "data"> & { offset: number; length: number }>
  ).map(({ offset, length, ...a }): NamedArray => {
    const width = a.dtype === "float64" ? 8 : 4;
    if (start + offset + length * width > bytes.length)
      throw new CheckpointError("checkpoint is truncated");
    // A copy, not a view: Node Buffers' slice() shares the pooled ArrayBuffer.
    const raw = new Uint8Array(bytes.subarray(start + offset, start + offset + length * width));
    const data =
      a.dtype === "float64" ? new Float64Array(raw.buffer) : new Float32Array(raw.buffer);
    return { ...a, data };
  });
  return { ...header, arrays } as CheckpointState;
}
