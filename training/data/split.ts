import type { SplitConfig } from "../../spec/types";
import { DataError } from "../errors";
import { Rng } from "../rng";

/** Row indices of the training and validation parts. */
export interface SplitIndices {
  train: Int32Array;
  val: Int32Array;
}

const range = (from: number, to: number): Int32Array => {
  const out = new Int32Array(Math.max(0, to - from));
  for (let i = 0; i < out.length; i++) out[i] = from + i;
  return out;
};

/**
 * Splits `rows` rows. `{head: N}`: the first N rows train, the rest validate (no shuffle).
 * `{random: {test, seed}}`: scikit-learn `train_test_split` arithmetic (test = ceil(test·n),
 * taken from the front of a seeded permutation); the permutation is ours, not NumPy's.
 */
export function splitRows(rows: number, split: SplitConfig, source: string): SplitIndices {
  if ("head" in split) {
    const n = split.head;
    if (!Number.isInteger(n) || n < 1) throw new DataError(`split.head must be a positive integer`);
    if (rows < n + 1) {
      throw new DataError(
        `${source}: split head ${n} needs at least ${n + 1} rows (train ${n} + ≥1 validation); the file has ${rows}`,
      );
    }
    return { train: range(0, n), val: range(n, rows) };
  }
  const { test, seed } = split.random;
  if (!(test > 0 && test < 1))
    throw new DataError(`split.random.test must be in (0, 1), got ${test}`);
  const nTest = Math.ceil(test * rows);
  const nTrain = rows - nTest;
  if (nTest < 1 || nTrain < 1) {
    throw new DataError(
      `${source}: a ${test} test split needs at least 2 rows with ≥1 in each part; the file has ${rows}`,
    );
  }
  const perm = new Rng(seed).permutation(rows);
  return { val: perm.slice(0, nTest), train: perm.slice(nTest) };
}

/** Gathers rows (row-major, `width` values each) by index. */
export function takeRows(values: Float64Array, width: number, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length * width);
  idx.forEach((r, i) => {
    out.set(values.subarray(r * width, (r + 1) * width), i * width);
  });
  return out;
}

/** Mean and population std per column (StandardScaler semantics: std 0 becomes 1). */
export function fitScaler(x: Float64Array, width: number): { mean: number[]; std: number[] } {
  const n = x.length / width;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % width]! += x[i]! / n;
  for (let i = 0; i < x.length; i++) std[i % width]! += (x[i]! - mean[i % width]!) ** 2 / n;
  return { mean, std: std.map((v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

/** Applies a fitted scaler in place. */
export function applyScaler(x: Float64Array, width: number, s: { mean: number[]; std: number[] }) {
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - s.mean[i % width]!) / s.std[i % width]!;
}
