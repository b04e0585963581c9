import {
  ActivityCancellationType,
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from "@temporalio/workflow";
import { expandTrials } from "../spec";
import type { TrialSpec } from "../spec/types";
import { ActivityIds } from "./activity-ids";
import {
  cancelSweepSignal,
  NON_RETRYABLE_ERRORS,
  type PackCancelDetails,
  pauseSweepSignal,
  poolTaskQueue,
  progressQuery,
  type RecordFailureInput,
  resumeSweepSignal,
  type SweepActivities,
  type SweepResult,
  type SweepState,
  type SweepWorkflowInput,
  setMaxParallelSignal,
  setMaxParallelUpdate,
  type TrainingActivities,
  type TrainTrialInput,
  type TrialFailureDetails,
  type TrialOutcome,
} from "./definitions";
import { autoPackSize, packGroupByOptimizerOf, packGroupOf } from "./pack-plan";
import { changedSearchAttributes, type VisibleSweep } from "./search-attributes";
import { tpeSource } from "./search-source";
import { type HistoryFacts, SweepMachine, type TrialFailure } from "./sweep-machine";
import { initialState } from "./sweep-state";
import { gridSource, type TrialSource } from "./trial-source";

// Bookkeeping is idempotent and cheap, so it retries without limit: an S3 outage of any length
// delays the sweep's summary instead of failing the sweep.
const bookkeeping = proxyActivities<SweepActivities>({
  startToCloseTimeout: "10 minutes",
  retry: { initialInterval: "1s", backoffCoefficient: 2, maximumInterval: "30s" },
});

function trainingOptions(input: SweepWorkflowInput): ActivityOptions {
  const { execution } = input.spec;
  return {
    taskQueue: poolTaskQueue(execution.pool),
    startToCloseTimeout: execution.trialTimeoutMinutes * 60_000,
    heartbeatTimeout: execution.heartbeatTimeoutSeconds * 1000,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: execution.retry.maximumAttempts,
      initialInterval: execution.retry.initialIntervalSeconds * 1000,
      backoffCoefficient: execution.retry.backoffCoefficient,
      maximumInterval: execution.retry.maximumIntervalSeconds * 1000,
      nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
    },
  };
}

/**
 * The training activities, each call under an id naming its trial (`trial-<trialId>`; an
 * early-stopping segment `rung-<trialId>-r<untilEpoch>`, its stop `…-stop`; see activity-ids.ts). Patched: sweeps started by older code keep Temporal's sequence numbers.
 */
function trainingActivities(input: SweepWorkflowInput) {
  const options = trainingOptions(input);
  const plain = proxyActivities<TrainingActivities>(options);
  const keyed = patched("trial-activity-ids") ? new ActivityIds() : undefined;
  return {
    trainTrial(trainInput: TrainTrialInput) {
      if (!keyed) return plain.trainTrial(trainInput);
      const { trialId } = trainInput.trial;
      // An early-stopping segment is a rung (keyed by the epoch it trains to); its stop, too.
      const activityId =
        trainInput.untilEpoch === undefined
          ? keyed.next("trial", trialId)
          : keyed.next(
              "rung",
              `${trialId}-r${trainInput.untilEpoch}${trainInput.stop ? "-stop" : ""}`,
            );
      return proxyActivities<TrainingActivities>({ ...options, activityId }).trainTrial(trainInput);
    },
  };
}

/** The facts the machine needs from whatever `trainTrial` threw. */
function trialFailure(error: unknown): TrialFailure {
  const cause = error instanceof ActivityFailure ? (error.cause ?? error) : error;
  const details = cause instanceof ApplicationFailure ? (cause.details ?? []) : [];
  const attempt = details
    .map((d) => (d as Partial<TrialFailureDetails> | null)?.attempt)
    .find((a) => typeof a === "number");
  return {
    message: cause instanceof Error ? cause.message : String(cause),
    cancellation: isCancellation(error) || error instanceof CancelledFailure,
    ...(typeof attempt === "number" ? { reportedAttempt: attempt } : {}),
    ...(error instanceof ActivityFailure ? { retryState: error.retryState } : {}),
  };
}

/** The trials a cancelled pack had finished before the cancel reached it. */
function finishedBeforeCancel(error: unknown): Map<string, TrialOutcome> {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  const details = cause instanceof CancelledFailure ? (cause.details ?? []) : [];
  const finished = details.flatMap((d) => (d as Partial<PackCancelDetails> | null)?.finished ?? []);
  return new Map(finished.map((o) => [o.trialId, o]));
}

/**
 * Trials per activity (`execution.pack`), fixed at the first run: `auto` asks the worker
 * registry which backends the pool trains on. Specs from before packing have none: solo.
 */
async function packSizeOf(input: SweepWorkflowInput, state: SweepState): Promise<number> {
  if (state.pack !== undefined) return state.pack;
  const { pack, pool } = input.spec.execution;
  if (pack === undefined) return 1;
  if (pack !== "auto") return pack;
  const needsWorkers = input.spec.model.type === "mlp";
  return autoPackSize(input.spec, needsWorkers ? await bookkeeping.poolWorkers({ pool }) : []);
}

function installHandlers(
  machine: SweepMachine,
  scope: CancellationScope,
  changed: () => void,
): void {
  setHandler(pauseSweepSignal, () => {
    machine.pause();
    changed();
  });
  setHandler(resumeSweepSignal, () => {
    machine.resume();
    changed();
  });
  setHandler(cancelSweepSignal, () => {
    if (machine.cancel()) scope.cancel();
    changed();
  });
  setHandler(setMaxParallelSignal, (value) => machine.signalMaxParallel(value));
  // Patched: a sweep started by older code never had the update and keeps only the signal.
  if (patched("set-max-parallel-update")) {
    setHandler(setMaxParallelUpdate, (value) => machine.setMaxParallel(value), {
      validator: (value) => machine.validateMaxParallel(value),
    });
  }
  setHandler(progressQuery, () => machine.progress(workflowInfo().historyLength));
}

/**
 * Keeps the sweep's search attributes current (state, progress, best), upserting only what
 * changed. Only when the client set them at start (the namespace has them registered: an
 * upsert of an unregistered attribute would fail every workflow task). Patched: sweeps started
 * by older code upsert nothing.
 */
function visibility(input: SweepWorkflowInput, machine: SweepMachine, started: VisibleSweep) {
  if (input.searchAttributes !== true || !patched("sweep-search-attributes")) {
    return { publish: (_final?: boolean) => undefined };
  }
  let shown = started;
  return {
    publish(final = false) {
      const next = machine.visible(final);
      const pairs = changedSearchAttributes(shown, next);
      shown = next;
      if (pairs.length > 0) upsertSearchAttributes(pairs);
    },
  };
}

function history(): HistoryFacts {
  const info = workflowInfo();
  return { length: info.historyLength, continueAsNewSuggested: info.continueAsNewSuggested };
}

/** The sweep's trials: TPE proposes them from results, else the expansion (grid and random). */
function sourceOf(spec: SweepWorkflowInput["spec"], search: boolean): TrialSource {
  if (search && spec.search?.method === "tpe") return tpeSource(spec, spec.search);
  return gridSource(expandTrials(spec));
}

/**
 * Runs every trial of a sweep on its pool's task queue, at most `maxParallel` at a time.
 *
 * Durable contract: trials are identified by stable ids, so a retried or re-run sweep reuses
 * finished curves from the bucket. A trial that exhausts its retries (or fails non-retryably) is
 * recorded as `failed` with the attempts it made, and never fails the sweep; a diverged trial is
 * a result. History stays bounded: after `historyLimit` events the workflow drains its running
 * trials and continues as new. Signals: pause, resume, cancel, setMaxParallel (legacy).
 * Update: setMaxParallel (validated). Query: progress.
 */
export async function sweepWorkflow(input: SweepWorkflowInput): Promise<SweepResult> {
  const { spec, sweepId } = input;
  const startedAt = new Date(workflowInfo().startTime).toISOString();
  // A plain sweep until the search patch (called after the older patches) says otherwise.
  const machine = new SweepMachine({
    sweepId,
    spec,
    state: input.state ?? initialState(spec.execution.maxParallel, startedAt),
    source: sourceOf(spec, false),
    ...(input.historyLimit === undefined ? {} : { historyLimit: input.historyLimit }),
    now: () => Date.now(),
    search: false,
  });
  const scope = new CancellationScope();
  // What the run started with (the client's attributes, or the previous run's): a signal
  // delivered with the start (pause right after run) changes the machine before `shown` exists.
  const started = machine.visible();
  let changed: (() => void) | undefined;
  // patched() markers replay in the order they were first called: new patches go after these.
  installHandlers(machine, scope, () => changed?.());
  const train = trainingActivities(input);
  const shown = visibility(input, machine, started);
  changed = () => shown.publish();
  // Nothing changed (the usual case): no upsert, so older histories replay unchanged.
  shown.publish();
  if (machine.firstRun) await bookkeeping.writeSweepSpec({ sweepId, spec });

  /**
   * Trains a trial to its end, or segment by segment under early stopping: each segment resumes
   * from the trial's checkpoint; the rule promotes it to the next or stops it (the stop itself
   * an activity that records the trial `stopped` with its curve so far).
   */
  const runTrial = async (trial: TrialSpec): Promise<void> => {
    let outcome: TrialOutcome;
    try {
      let untilEpoch = machine.firstTarget(trial);
      for (;;) {
        const segment = untilEpoch === undefined ? undefined : { untilEpoch };
        outcome = await scope.run(() => train.trainTrial(machine.trainInput(trial, segment)));
        if (!outcome.segment) break;
        const decision = machine.segmentDone(trial, outcome.segment, history());
        if (decision === "park") return;
        if (decision !== "stop") {
          untilEpoch = decision.untilEpoch;
          continue;
        }
        const stop = { untilEpoch: outcome.segment.epoch, stop: true };
        outcome = await scope.run(() => train.trainTrial(machine.trainInput(trial, stop)));
        break;
      }
    } catch (error) {
      const failed = machine.failed(trial, trialFailure(error));
      if (failed.record) await bookkeeping.recordFailedTrial(failed.record);
      outcome = failed.outcome;
    }
    machine.finish(outcome);
    shown.publish();
  };

  const runPack = async (trials: TrialSpec[]): Promise<void> => {
    let outcomes: TrialOutcome[];
    try {
      const packInput = machine.packInput(trials);
      // The pack's activity id is its pack id (derived from its trials' ids), so a pending
      // activity names its trials in the Web UI and in `describe`.
      const packTrain = proxyActivities<TrainingActivities>({
        ...trainingOptions(input),
        activityId: packInput.packId,
      });
      outcomes = await scope.run(() => packTrain.trainTrials(packInput));
    } catch (error) {
      const failure = trialFailure(error);
      const finished = finishedBeforeCancel(error);
      const records: RecordFailureInput[] = [];
      outcomes = trials.map((trial) => {
        const done = finished.get(trial.trialId);
        if (done) return done;
        const failed = machine.failed(trial, failure);
        if (failed.record) records.push(failed.record);
        return failed.outcome;
      });
      await Promise.all(records.map((r) => bookkeeping.recordFailedTrial(r)));
    }
    machine.finishPack(outcomes);
    shown.publish();
  };

  // patched() markers replay in the order they were first called: new patches go after these.
  // Patched: sweeps started before packing schedule one trial per activity, as they did.
  const packed = patched("packed-trials");
  // Patched: sweeps started before TPE, early stopping and budgets ran them as plain sweeps.
  const search = patched("search-in-workflow");
  // Patched: sweeps started before mixed-optimizer packs keep one optimizer rule per pack.
  const groupOf = patched("mixed-optimizer-packs") ? packGroupOf : packGroupByOptimizerOf;
  machine.useSearch(search, sourceOf(spec, search));
  // Trials parked between early-stopping segments by the previous run go first.
  for (const trial of machine.unpark()) void runTrial(trial);
  const wake = async () => {
    const deadline = machine.msUntilDeadline();
    if (deadline === undefined) await condition(() => machine.wakes());
    else await condition(() => machine.wakes(), deadline);
  };
  if (packed) {
    const size = await packSizeOf(input, machine.state);
    machine.state.pack = size;
    // Early-stopped trials train segment by segment, alone; TPE's source has no `peek`, so its
    // trials run alone too (each proposal learns from every result before it).
    const packing = machine.stopper ? 1 : size;
    while (machine.scheduling(history())) {
      await wake();
      const pack = machine.startPack(packing, groupOf);
      if (pack.length === 1) void runTrial(pack[0]!);
      else if (pack.length > 1) void runPack(pack);
    }
  } else {
    while (machine.scheduling(history())) {
      await wake();
      const trial = machine.start();
      if (trial) void runTrial(trial);
    }
  }
  await condition(() => machine.running.size === 0);
  machine.noteHistory(workflowInfo().historyLength);
  if (machine.continues) {
    shown.publish();
    return continueAsNew<typeof sweepWorkflow>({ ...input, state: machine.carryOver() });
  }
  const mismatch = machine.settle();
  if (mismatch !== undefined) throw ApplicationFailure.nonRetryable(mismatch);
  const { budgetStop } = machine.state;
  const artefacts = await bookkeeping.summarizeSweep({
    sweepId,
    spec,
    startedAt: machine.state.startedAt,
    finishedAt: new Date(Date.now()).toISOString(),
    ...(budgetStop ? { budgetStop, started: machine.state.nextIndex } : {}),
    ...(search && spec.search?.method === "tpe" ? { sampled: true } : {}),
  });
  shown.publish(true);
  const failure = machine.budgetFailure();
  if (failure !== undefined) {
    throw ApplicationFailure.create({
      message: failure,
      type: "BudgetExceeded",
      nonRetryable: true,
    });
  }
  return machine.result(artefacts);
}
