import type { EpochRecord, TrialConfig } from "../../spec/types";
import { currentBackend, ensureBackend } from "../backend";
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, trialIdentity } from "../checkpoint";
import type { PreparedData } from "../data/load";
import { TrainingConfigError } from "../errors";
import type { TrainResult } from "../loop";
import { Rng } from "../rng";
import type { ModelCode } from "../user-model/code";
import { optimizerShape } from "./optimizers";
import { initialArrays, PackedMlp, type TrialState } from "./trainer";

export interface TrainPackOptions {
  trials: TrialConfig[];
  data: PreparedData;
  /** Checked before each epoch; on abort every running trial checkpoints and is `cancelled`. */
  signal?: AbortSignal;
  /** Write each trial's checkpoint every N epochs; 0/undefined: only on abort. */
  checkpointEvery?: number;
  /** Per trial (same index as `trials`): checkpoint bytes to continue from. */
  resumeFrom?: Array<Uint8Array | undefined>;
  /** After each epoch of trial `trialIndex`, its diverging one included. */
  onEpoch?: (trialIndex: number, record: EpochRecord) => void | Promise<void>;
  onCheckpoint?: (trialIndex: number, bytes: Uint8Array, epoch: number) => Promise<void>;
  /** As soon as trial `trialIndex` has its final result (completed or diverged), before the rest. */
  onFinish?: (trialIndex: number, result: TrainResult) => void;
  /** The loaded model module of the pack's `module` trials (they train solo). */
  modelCode?: ModelCode;
}

/**
 * Trials that can share one batched computation: same data (the caller's), model shape, batch
 * size and epoch count. Optimizers may differ (each rule updates its own trials' slice);
 * per-trial values differ freely.
 */
export function packKey(t: TrialConfig): string {
  return JSON.stringify([t.model, t.batchSize, t.epochs]);
}

/** The members with one optimizer rule and slot layout next to each other (first seen first). */
function byOptimizer(members: Member[]): Member[] {
  const shapes = [...new Set(members.map((m) => optimizerShape(m.trial.optimizer)))];
  return shapes.flatMap((s) => members.filter((m) => optimizerShape(m.trial.optimizer) === s));
}

interface Member {
  index: number;
  trial: TrialConfig;
  rng: Rng;
  records: EpochRecord[];
  start: number;
  state: TrialState;
}

function member(index: number, trial: TrialConfig, shapes: number[][], bytes?: Uint8Array): Member {
  const rng = new Rng(trial.seed);
  const state: TrialState = { arrays: initialArrays(shapes, rng), iterations: 0 };
  if (!bytes) return { index, trial, rng, records: [], start: 0, state };
  const ck = decodeCheckpoint(bytes);
  if (JSON.stringify(ck.identity) !== JSON.stringify(trialIdentity(trial)) || ck.model !== "mlp")
    throw new CheckpointError(
      `trial ${index}: checkpoint belongs to a different trial configuration`,
    );
  return {
    ...{ index, trial, rng: Rng.fromState(ck.rng), records: ck.records, start: ck.epoch },
    state: { arrays: ck.arrays, iterations: ck.iterations },
  };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Trains one group (same pack key, same start epoch) in lock step. */
async function runGroup(
  members: Member[],
  opts: TrainPackOptions,
  out: TrainResult[],
): Promise<void> {
  const { trial } = members[0]!;
  const net = new PackedMlp(
    members.map((m) => m.trial),
    opts.data,
    members.map((m) => m.state),
  );
  const base = { backend: currentBackend() };
  let live = members;
  const finish = (m: Member, r: Omit<TrainResult, "backend" | "records">) => {
    const result: TrainResult = {
      ...r,
      ...base,
      records: m.records,
      ...(m.start ? { resumedFromEpoch: m.start } : {}),
    };
    out[m.index] = result;
    if (r.status !== "cancelled") opts.onFinish?.(m.index, result);
  };
  const checkpoint = async (epoch: number) => {
    const save = opts.onCheckpoint;
    if (!save) return;
    // Encoded one by one (device reads), written side by side: a pack's checkpoint is K writes.
    const writes = live.map((m, k) => {
      const { arrays, iterations } = net.exportState(k);
      const identity = trialIdentity(m.trial);
      const bytes = encodeCheckpoint({
        model: "mlp",
        identity,
        epoch,
        iterations,
        rng: m.rng.state(),
        records: m.records,
        arrays,
      });
      return save(m.index, bytes, epoch);
    });
    await Promise.all(writes);
  };
  try {
    for (let epoch = members[0]!.start + 1; epoch <= trial.epochs; epoch++) {
      await yieldToEventLoop();
      if (opts.signal?.aborted) {
        await checkpoint(epoch - 1);
        for (const m of live) finish(m, { status: "cancelled" });
        return;
      }
      const t0 = performance.now();
      net.runEpoch(
        live.map((m) => m.rng),
        trial.batchSize,
      );
      const metrics = net.evaluate();
      // The pack's epoch time, shared evenly: what each trial cost.
      const seconds = (performance.now() - t0) / 1000 / live.length;
      const keep: number[] = [];
      for (const [k, m] of live.entries()) {
        const { finite, ...rest } = metrics[k]!;
        const record: EpochRecord = { epoch, ...rest, seconds };
        m.records.push(record);
        await opts.onEpoch?.(m.index, record);
        if (finite) keep.push(k);
        else finish(m, { status: "diverged", divergedAtEpoch: epoch });
      }
      if (keep.length < live.length) {
        live = keep.map((k) => live[k]!);
        if (!live.length) return;
        net.keep(keep);
      }
      if (opts.checkpointEvery && epoch % opts.checkpointEvery === 0) await checkpoint(epoch);
    }
    for (const m of live) finish(m, { status: "completed" });
  } finally {
    net.dispose();
  }
}

function validate(t: TrialConfig, i: number, data: PreparedData): void {
  if (!Number.isInteger(t.batchSize) || t.batchSize < 1)
    throw new TrainingConfigError(
      `trial ${i}: batchSize must be a positive integer, got ${t.batchSize}`,
    );
  if (!Number.isInteger(t.epochs) || t.epochs < 0)
    throw new TrainingConfigError(
      `trial ${i}: epochs must be a non-negative integer, got ${t.epochs}`,
    );
  if (t.model.type === "mlp" && data.task === "classification" && !data.numClasses)
    throw new TrainingConfigError(`trial ${i}: classification data without numClasses`);
}

/**
 * Trains MLP trials packed: trials with the same `packKey` and resume epoch run as one batched
 * computation (one batched matmul per layer for all of them, whatever their optimizers), each
 * with its own initial weights and shuffle order from its own seed, its own hyper-parameters, records, checkpoints
 * (solo-compatible) and divergence: a diverging trial leaves the pack, the others go on.
 * Results are in the order of `trials`.
 * @example const results = await trainPack({ trials, data, onEpoch: (i, r) => beat(i, r) });
 */
export async function trainPackedMlp(opts: TrainPackOptions): Promise<TrainResult[]> {
  const { trials, data } = opts;
  for (const [i, t] of trials.entries()) validate(t, i, data);
  if (trials.some((t) => t.model.type !== "mlp"))
    throw new TrainingConfigError("trainPackedMlp: mlp trials only");
  // The packed kernels have no dropout masks or L2 term yet: such trials train solo.
  if (trials.some((t) => t.model.type === "mlp" && (t.model.dropout || t.model.l2)))
    throw new TrainingConfigError("trainPackedMlp: dropout and l2 trials train solo, not packed");
  if (!trials.length) return [];
  await ensureBackend();
  const groups = new Map<string, Member[]>();
  for (const [i, t] of trials.entries()) {
    const shapes = shapesOf(t, data);
    const m = member(i, t, shapes, opts.resumeFrom?.[i]);
    const key = `${packKey(t)}@${m.start}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const out: TrainResult[] = new Array(trials.length);
  for (const g of groups.values()) {
    if (g[0]!.start >= g[0]!.trial.epochs) {
      for (const m of g) {
        out[m.index] = {
          status: "completed",
          records: m.records,
          backend: currentBackend(),
          ...(m.start ? { resumedFromEpoch: m.start } : {}),
        };
        opts.onFinish?.(m.index, out[m.index]!);
      }
      continue;
    }
    await runGroup(byOptimizer(g), opts, out);
  }
  return out;
}

function shapesOf(t: TrialConfig, d: PreparedData): number[][] {
  if (t.model.type !== "mlp") return [];
  const sizes = [d.nFeatures, ...t.model.hidden, d.task === "classification" ? d.numClasses! : 1];
  return sizes.slice(1).flatMap((out, i) => [[sizes[i]!, out], [out]]);
}
