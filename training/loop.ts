import type { EpochRecord, TrialConfig } from "../spec/types";
import { ensureBackend } from "./backend";
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, trialIdentity } from "./checkpoint";
import type { PreparedData } from "./data/load";
import { TrainingConfigError } from "./errors";
import { LinearSgd } from "./linear";
import { MlpTrainer } from "./mlp-trainer";
import type { TrialModel } from "./model";
import { type TrainPackOptions, trainPackedMlp } from "./packed/loop";
import { Rng } from "./rng";
import type { ModelCode } from "./user-model/code";
import { ModuleTrainer } from "./user-model/trainer";

export type { TrainPackOptions };

export interface TrainOptions {
  trial: TrialConfig;
  data: PreparedData;
  /** Checked before each epoch; on abort a checkpoint is written and the trial is `cancelled`. */
  signal?: AbortSignal;
  /** Called after each epoch, the diverging one included. */
  onEpoch?: (record: EpochRecord) => void | Promise<void>;
  /** Write a checkpoint every N epochs; 0/undefined: only on abort. */
  checkpointEvery?: number;
  onCheckpoint?: (bytes: Uint8Array, epoch: number) => Promise<void>;
  /** Checkpoint bytes to continue from. */
  resumeFrom?: Uint8Array;
  /** The loaded model module of a `module` model (see `user-model/code.ts`). */
  modelCode?: ModelCode;
  /**
   * Stop after this epoch (below trial.epochs) with a checkpoint there: status `paused`, for
   * early stopping's segments. Results are the same as one uninterrupted run.
   */
  untilEpoch?: number;
}

export interface TrainResult {
  /** `paused`: stopped at `untilEpoch` with a checkpoint there, to be resumed. */
  status: "completed" | "diverged" | "cancelled" | "paused";
  /** Every epoch from 1, restored ones included; a diverging epoch's record may hold NaN/Infinity. */
  records: EpochRecord[];
  divergedAtEpoch?: number;
  /** tfjs backend name, or "js" for the plain TypeScript linear model. */
  backend: string;
  resumedFromEpoch?: number;
}

async function createModel(
  trial: TrialConfig,
  data: PreparedData,
  rng: Rng,
  code: ModelCode | undefined,
): Promise<TrialModel> {
  if (!Number.isInteger(trial.batchSize) || trial.batchSize < 1) {
    throw new TrainingConfigError(`batchSize must be a positive integer, got ${trial.batchSize}`);
  }
  if (!Number.isInteger(trial.epochs) || trial.epochs < 0) {
    throw new TrainingConfigError(`epochs must be a non-negative integer, got ${trial.epochs}`);
  }
  if (trial.model.type === "mlp") return new MlpTrainer(trial, data, rng);
  if (trial.model.type === "command") {
    throw new TrainingConfigError("a command trial runs as its own process, not in the engine");
  }
  if (trial.model.type === "module") {
    if (!code) throw new TrainingConfigError("a module model needs its loaded code (modelCode)");
    return ModuleTrainer.create(code, trial, data, rng);
  }
  const { optimizer: o } = trial;
  if (data.task !== "regression") {
    throw new TrainingConfigError("the linear model (SGDRegressor) needs a regression task");
  }
  if (o.name !== "sgd" || (o.momentum ?? 0) !== 0 || o.nesterov) {
    throw new TrainingConfigError("the linear model supports plain sgd only (no momentum)");
  }
  return new LinearSgd(data, trial.model.alpha, o.learningRate);
}

function restore(model: TrialModel, trial: TrialConfig, bytes: Uint8Array) {
  const ck = decodeCheckpoint(bytes);
  if (
    JSON.stringify(ck.identity) !== JSON.stringify(trialIdentity(trial)) ||
    ck.model !== model.kind
  ) {
    throw new CheckpointError("checkpoint belongs to a different trial configuration");
  }
  model.importState(ck.arrays, ck.iterations);
  return { rng: Rng.fromState(ck.rng), records: ck.records, epoch: ck.epoch };
}

function snapshot(
  model: TrialModel,
  trial: TrialConfig,
  epoch: number,
  rng: Rng,
  records: EpochRecord[],
) {
  const identity = trialIdentity(trial);
  return encodeCheckpoint({
    model: model.kind,
    identity,
    epoch,
    rng: rng.state(),
    records,
    ...model.exportState(),
  });
}

/** One epoch of training plus full-set evaluation, timed together. */
function timedEpoch(model: TrialModel, rng: Rng, epoch: number) {
  const t0 = performance.now();
  model.runEpoch(rng);
  const { finite, ...metrics } = model.evaluate();
  const record: EpochRecord = { epoch, ...metrics, seconds: (performance.now() - t0) / 1000 };
  return { record, finite };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains one trial deterministically (same seed and backend, same curves). Divergence and
 * cancellation are results, not exceptions; bad configs throw `TrainingConfigError`.
 * @example const { status, records } = await trainTrial({ trial, data, onEpoch: heartbeat });
 */
export async function trainTrial(opts: TrainOptions): Promise<TrainResult> {
  const { trial, data, signal } = opts;
  if (trial.model.type !== "linear") await ensureBackend();
  let rng = new Rng(trial.seed);
  const model = await createModel(trial, data, rng, opts.modelCode);
  try {
    let records: EpochRecord[] = [];
    let start = 0;
    if (opts.resumeFrom) ({ rng, records, epoch: start } = restore(model, trial, opts.resumeFrom));
    const base = {
      backend: model.backend,
      ...(opts.resumeFrom ? { resumedFromEpoch: start } : {}),
    };
    const checkpoint = async (epoch: number) => {
      if (opts.onCheckpoint)
        await opts.onCheckpoint(snapshot(model, trial, epoch, rng, records), epoch);
    };
    const last = Math.min(trial.epochs, opts.untilEpoch ?? trial.epochs);
    for (let epoch = start + 1; epoch <= last; epoch++) {
      await yieldToEventLoop();
      if (signal?.aborted) {
        await checkpoint(epoch - 1);
        return { status: "cancelled", records, ...base };
      }
      const { record, finite } = timedEpoch(model, rng, epoch);
      records.push(record);
      await opts.onEpoch?.(record);
      if (!finite) return { status: "diverged", records, divergedAtEpoch: epoch, ...base };
      if (opts.checkpointEvery && epoch % opts.checkpointEvery === 0) await checkpoint(epoch);
    }
    if (last < trial.epochs) {
      const every = opts.checkpointEvery;
      if (last > start && (!every || last % every !== 0)) await checkpoint(last);
      return { status: "paused", records, ...base };
    }
    return { status: "completed", records, ...base };
  } finally {
    model.dispose();
  }
}

/**
 * Trains trials that share data, each with its own records, checkpoints and divergence. MLP
 * trials with the same model shape, batch size, epochs and optimizer rule run packed (one
 * batched computation, see `packed/`); linear trials run one after another: they are plain
 * float64 TypeScript with no per-op overhead to amortise, so batching them would gain nothing.
 * Results are in the order of `trials`.
 */
export async function trainPack(opts: TrainPackOptions): Promise<TrainResult[]> {
  const out: TrainResult[] = new Array(opts.trials.length);
  const mlp = opts.trials.flatMap((t, i) => (t.model.type === "mlp" ? [i] : []));
  const packed = await trainPackedMlp({
    ...opts,
    trials: mlp.map((i) => opts.trials[i]!),
    resumeFrom: mlp.map((i) => opts.resumeFrom?.[i]),
    onEpoch: (k, r) => opts.onEpoch?.(mlp[k]!, r),
    onCheckpoint: async (k, b, e) => opts.onCheckpoint?.(mlp[k]!, b, e),
    onFinish: (k, r) => opts.onFinish?.(mlp[k]!, r),
  });
  mlp.forEach((i, k) => {
    out[i] = packed[k]!;
  });
  for (const [i, trial] of opts.trials.entries()) {
    if (trial.model.type === "mlp") continue;
    const bytes = opts.resumeFrom?.[i];
    const result = await trainTrial({
      trial,
      data: opts.data,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.checkpointEvery ? { checkpointEvery: opts.checkpointEvery } : {}),
      ...(bytes ? { resumeFrom: bytes } : {}),
      ...(opts.modelCode ? { modelCode: opts.modelCode } : {}),
      onEpoch: (r) => opts.onEpoch?.(i, r),
      onCheckpoint: async (b, e) => opts.onCheckpoint?.(i, b, e),
    });
    out[i] = result;
    if (result.status !== "cancelled") opts.onFinish?.(i, result);
  }
  return out;
}
