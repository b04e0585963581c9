import { randomBytes } from "node:crypto";
import { cp, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { Context } from "@temporalio/activity";
import { CommandError, toApplicationFailure } from "../errors";
import type { TrialLabels } from "../metrics";
import { fillPlaceholders } from "../spec/command";
import type { CommandModel, EpochRecord, ParamValue, TrialSpec } from "../spec/types";
import type { TrialArtifact } from "../storage/artifacts";
import { fetchCode } from "../storage/code";
import { type BundleLimits, packFolder, unpackFolder } from "../storage/folder-bundle";
import type { TrialLease } from "../storage/lease";
import { latestCheckpoint, saveCheckpoint } from "../storage/trials";
import type { PreparedData } from "../training";
import { runCommand } from "../training/command/run";
import type { TrainTrialInput } from "../workflows/definitions";
import { type AttemptScope, commitAttempt } from "./attempt-commit";
import { loadData } from "./train-trial";
import { heartbeatFor } from "./trial-heartbeat";

/** A checkpoint folder may be a model's weights; past this it is a mistake, not a model. */
const CHECKPOINT_LIMITS: BundleLimits = { maxBytes: 512 * 2 ** 20, maxFiles: 10_000 };
const CHECKPOINT_FORMAT = "hypersweep/command-checkpoint/v1";

/** A command trial's checkpoint object: the curves so far and the folder the process saved. */
interface CommandCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  epoch: number;
  /** The path the process named, relative to its checkpoint folder. */
  path: string;
  file: boolean;
  records: EpochRecord[];
  /** A folder bundle (storage/folder-bundle.ts), base64. */
  bundle: string;
}

/** Worker variables the user's process must not see: the store's and Temporal's credentials. */
const PRIVATE_ENV = /^(HYPERSWEEP_|TEMPORAL_|AWS_|MINIO_|GRAFANA_)/;

/** One attempt's folder: the code (its working directory), data, checkpoint folder, trial file. */
interface WorkDir {
  root: string;
  code: string;
  checkpoints: string;
  trialFile: string;
  metricsFile: string;
  train: string;
  validation: string;
}

async function makeWorkDir(base: string, trialId: string, attempt: number): Promise<WorkDir> {
  const root = join(
    base,
    "command-runs",
    `${trialId}-a${attempt}-${randomBytes(3).toString("hex")}`,
  );
  const dirs = { code: join(root, "code"), checkpoints: join(root, "checkpoint") };
  await mkdir(dirs.checkpoints, { recursive: true });
  return {
    root,
    ...dirs,
    trialFile: join(root, "trial.json"),
    metricsFile: join(root, "metrics.jsonl"),
    train: join(root, "data", "train.csv"),
    validation: join(root, "data", "validation.csv"),
  };
}

/** The split (and standardised) data as the built-in models see it, as two CSV files. */
async function writeData(data: PreparedData, target: string, work: WorkDir) {
  const header = [...data.featureNames, target].join(",");
  const csv = (x: Float64Array, y: Float64Array, rows: number) => {
    const lines = [header];
    const w = data.nFeatures;
    for (let r = 0; r < rows; r++) {
      lines.push([...x.subarray(r * w, r * w + w), y[r]].map(String).join(","));
    }
    return `${lines.join("\n")}\n`;
  };
  await mkdir(dirname(work.train), { recursive: true });
  await writeFile(work.train, csv(data.xTrain, data.yTrain, data.nTrain));
  await writeFile(work.validation, csv(data.xVal, data.yVal, data.nVal));
}

function decode(bytes: Uint8Array): CommandCheckpoint | undefined {
  try {
    const ck = JSON.parse(Buffer.from(bytes).toString("utf8")) as CommandCheckpoint;
    return ck.format === CHECKPOINT_FORMAT && Array.isArray(ck.records) ? ck : undefined;
  } catch {
    return undefined;
  }
}

/** A checkpoint path named by the process, inside its checkpoint folder. */
function checkpointPath(work: WorkDir, path: string): string {
  const full = resolve(work.checkpoints, path);
  if (full !== work.checkpoints && !full.startsWith(work.checkpoints + sep)) {
    throw new CommandError(`checkpoint ${JSON.stringify(path)} is outside the checkpoint folder`);
  }
  return full;
}

async function encode(work: WorkDir, path: string, epoch: number, records: EpochRecord[]) {
  const full = checkpointPath(work, path);
  const info = await stat(full).catch(() => undefined);
  if (!info) {
    throw new CommandError(
      `checkpoint ${JSON.stringify(path)} does not exist in the checkpoint folder (HYPERSWEEP_CHECKPOINT_DIR); write it before printing the line`,
    );
  }
  const packed = await packFolder(full, CHECKPOINT_LIMITS).catch((error: Error) => {
    throw new CommandError(`checkpoint ${JSON.stringify(path)}: ${error.message}`);
  });
  const ck: CommandCheckpoint = {
    format: CHECKPOINT_FORMAT,
    epoch,
    path,
    file: info.isFile(),
    records,
    bundle: packed.bytes.toString("base64"),
  };
  return Buffer.from(JSON.stringify(ck));
}

/** Deletes the checkpoints named before `newest` (they are in the bucket) from the folder. */
async function forgetOlder(work: WorkDir, saved: Set<string>, newest: string): Promise<void> {
  for (const path of saved) {
    if (path !== newest) await rm(checkpointPath(work, path), { recursive: true, force: true });
  }
  saved.clear();
  saved.add(newest);
}

async function restore(work: WorkDir, ck: CommandCheckpoint): Promise<string> {
  const full = checkpointPath(work, ck.path);
  await unpackFolder(Buffer.from(ck.bundle, "base64"), ck.file ? dirname(full) : full);
  return full;
}

/** The values a trial's process sees: its params, then epochs, batch size and seed. */
function valuesOf(trial: TrialSpec): Record<string, ParamValue> {
  const { config } = trial;
  return {
    ...(config.params ?? {}),
    ...trial.params,
    optimizer: config.optimizer.name,
    learningRate: config.optimizer.learningRate,
    epochs: config.epochs,
    batchSize: config.batchSize,
    seed: config.seed,
  };
}

const envName = (key: string) =>
  `HYPERSWEEP_PARAM_${key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/\W/g, "_")
    .toUpperCase()}`;

interface Launch {
  trial: TrialSpec;
  model: CommandModel;
  work: WorkDir;
  input: TrainTrialInput;
  attempt: number;
  resume?: { epoch: number; path: string };
}

/** The trial file, environment and argv of the process. */
async function launchOf(l: Launch) {
  const { trial, model, work, input, attempt, resume } = l;
  const values = valuesOf(trial);
  const resumeEpoch = resume?.epoch ?? 0;
  await writeFile(
    work.trialFile,
    `${JSON.stringify(
      {
        trialId: trial.trialId,
        sweepId: input.sweepId,
        attempt,
        params: values,
        optimizer: trial.config.optimizer,
        epochs: trial.config.epochs,
        batchSize: trial.config.batchSize,
        seed: trial.config.seed,
        checkpointEvery: input.checkpointEvery,
        data: {
          train: work.train,
          validation: work.validation,
          features: trial.config.dataset.features,
          target: trial.config.dataset.target,
          task: trial.config.dataset.task,
          ...(trial.config.dataset.numClasses
            ? { numClasses: trial.config.dataset.numClasses }
            : {}),
        },
        checkpointDir: work.checkpoints,
        resume: resume ? { epoch: resume.epoch, checkpoint: resume.path } : null,
        ...(model.metrics === "file" ? { metricsFile: work.metricsFile } : {}),
      },
      null,
      2,
    )}\n`,
  );
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !PRIVATE_ENV.test(k)),
  );
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    PYTHONUNBUFFERED: "1",
    ...(model.env ?? {}),
    ...Object.fromEntries(Object.entries(values).map(([k, v]) => [envName(k), String(v)])),
    HYPERSWEEP_TRIAL_ID: trial.trialId,
    HYPERSWEEP_SWEEP_ID: input.sweepId,
    HYPERSWEEP_ATTEMPT: String(attempt),
    HYPERSWEEP_TRIAL_FILE: work.trialFile,
    HYPERSWEEP_EPOCHS: String(trial.config.epochs),
    HYPERSWEEP_CHECKPOINT_DIR: work.checkpoints,
    HYPERSWEEP_CHECKPOINT_EVERY: String(input.checkpointEvery),
    HYPERSWEEP_RESUME_EPOCH: String(resumeEpoch),
    ...(resume ? { HYPERSWEEP_RESUME_CHECKPOINT: resume.path } : {}),
    HYPERSWEEP_TRAIN_CSV: work.train,
    HYPERSWEEP_VALIDATION_CSV: work.validation,
    ...(model.metrics === "file" ? { HYPERSWEEP_METRICS_FILE: work.metricsFile } : {}),
  };
  const fill: Record<string, string> = {
    ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])),
    trialId: trial.trialId,
    checkpointDir: work.checkpoints,
    trialFile: work.trialFile,
  };
  return { env, argv: model.command.map((arg) => fillPlaceholders(arg, fill)) };
}

/**
 * One attempt of a command trial under its lease (`leasedAttempt`): load the data (split as for built-in
 * trials) into CSV files, unpack the code the bucket holds (hash-checked), restore the newest
 * checkpoint into the checkpoint folder, run the process and follow its protocol (heartbeat
 * each epoch and every few seconds; checkpoints saved under the lease when it names them),
 * then commit the curves like a built-in trial. The work folder is removed afterwards.
 */
export async function runCommandAttempt(
  scope: AttemptScope,
  input: TrainTrialInput,
  labels: TrialLabels,
  attempt: number,
  started: number,
  lease: TrialLease,
): Promise<TrialArtifact> {
  const ctx = Context.current();
  const { deps, store } = scope;
  const { trial } = input;
  const model = trial.config.model as CommandModel;
  const data = await loadData(deps, store, input);
  const base = deps.cacheDir ?? join(tmpdir(), "hypersweep");
  const work = await makeWorkDir(base, trial.trialId, attempt);
  try {
    const code = await fetchCode(store, model.code, base).catch((e) => {
      throw toApplicationFailure(e);
    });
    await cp(code, work.code, { recursive: true });
    await writeData(data, trial.config.dataset.target, work);
    const stored = await latestCheckpoint(store, trial.trialId);
    const ck = stored ? decode(stored.bytes) : undefined;
    const resume = ck ? { epoch: ck.epoch, path: await restore(work, ck) } : undefined;
    const records: EpochRecord[] = ck ? [...ck.records] : [];
    /** Checkpoints in the folder that are in the bucket too (the restored one, if any). */
    const saved = new Set<string>(ck ? [ck.path] : []);
    const hb = heartbeatFor(trial.trialId, attempt, ck?.epoch);
    scope.beat.details = hb;
    const current = hb.attemptLog.at(-1)!;
    ctx.heartbeat(hb);
    deps.metrics?.trialStarted(labels, attempt);
    if (ck) deps.metrics?.resumed(labels, ck.epoch);
    const { env, argv } = await launchOf({
      trial,
      model,
      work,
      input,
      attempt,
      ...(resume ? { resume } : {}),
    });
    const result = await runCommand({
      argv,
      cwd: work.code,
      env,
      ...(model.metrics === "file" ? { metricsFile: work.metricsFile } : {}),
      startEpoch: ck?.epoch ?? 0,
      epochs: trial.config.epochs,
      reportTimeoutMs: model.reportTimeoutSeconds * 1000,
      killGraceMs: model.killGraceSeconds * 1000,
      signal: scope.signal,
      onAlive: () => ctx.heartbeat(hb),
      onEpoch: (record) => {
        records.push(record);
        hb.epoch = record.epoch;
        current.reachedEpoch = record.epoch;
        ctx.heartbeat(hb);
        deps.metrics?.epoch(labels, record);
      },
      onCheckpoint: async (path, epoch) => {
        await saveCheckpoint(store, lease, epoch, await encode(work, path, epoch, records));
        // Stored: the checkpoints named before this one are no longer needed. hypersweep deletes
        // them, not the process (which cannot know when the copy is done).
        await forgetOlder(work, saved, path);
        hb.checkpointEpoch = epoch;
        ctx.heartbeat(hb);
        deps.metrics?.checkpointWritten(labels);
      },
    }).catch((error) => {
      throw toApplicationFailure(error);
    });
    const outcome = {
      status: result.status,
      records,
      ...(result.divergedAtEpoch === undefined ? {} : { divergedAtEpoch: result.divergedAtEpoch }),
      backend: "command",
    };
    return await commitAttempt({ store, lease }, input, outcome, attempt, hb, started);
  } finally {
    await rm(work.root, { recursive: true, force: true });
  }
}
