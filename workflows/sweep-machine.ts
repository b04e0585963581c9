/**
 * The sweep as a state machine: every decision the sweep workflow makes (what to start next,
 * pause/resume/cancel, maxParallel changes, outcome and failure accounting, when to continue as
 * new, the final counts), free of Temporal so that unit tests drive it directly. The workflow
 * only wires it to activities, handlers and `condition`.
 */
import type { SweepSpec } from "../spec";
import type { TrialSpec } from "../spec/types";
import type {
  BudgetStop,
  RecordFailureInput,
  SweepProgress,
  SweepResult,
  SweepState,
  TrainTrialInput,
  TrainTrialsInput,
  TrialOutcome,
} from "./definitions";
import {
  initialStoppingState,
  type SegmentDecision,
  type Stopper,
  stopperFor,
} from "./early-stopping";
import { packIdOf } from "./pack-plan";
import type { VisibleSweep } from "./search-attributes";
import {
  checkMaxParallel,
  DEFAULT_HISTORY_LIMIT,
  finishedCount,
  recordOutcome,
} from "./sweep-state";
import type { TrialSource } from "./trial-source";

/** What the workflow learns from a failed or cancelled `trainTrial`. */
export interface TrialFailure {
  message: string;
  /** The failure is the sweep's own cancellation reaching the trial. */
  cancellation: boolean;
  /** The attempt the activity reported in its failure details, if it got to report one. */
  reportedAttempt?: number;
  /** Temporal's retry state of the activity (`MAXIMUM_ATTEMPTS_REACHED`, ...). */
  retryState?: string;
}

/** The history facts the continue-as-new decision reads. */
export interface HistoryFacts {
  length: number;
  continueAsNewSuggested: boolean;
}

/**
 * Attempts a failed trial actually made: what the activity reported, else every attempt when
 * Temporal says the retries ran out (a timeout on the last attempt), else the one it surely made.
 */
export function attemptsOf(failure: TrialFailure, maximumAttempts: number): number {
  if (failure.reportedAttempt !== undefined) return failure.reportedAttempt;
  return failure.retryState === "MAXIMUM_ATTEMPTS_REACHED" ? maximumAttempts : 1;
}

export interface SweepMachineOptions {
  sweepId: string;
  spec: SweepSpec;
  state: SweepState;
  source: TrialSource;
  historyLimit?: number;
  /** Workflow time in ms (deterministic in a workflow): maxHours reads it. */
  now?: () => number;
  /** Whether early stopping and budgets act (false replays sweeps started before them). */
  search?: boolean;
}

export class SweepMachine {
  readonly sweepId: string;
  readonly state: SweepState;
  readonly running = new Set<string>();
  /** Training activities in flight: a solo trial or a pack each count one of `maxParallel`. */
  #activities = 0;
  readonly #spec: SweepSpec;
  #source: TrialSource;
  readonly #historyLimit: number;
  readonly #now: () => number;
  #budget: NonNullable<SweepSpec["budget"]> = {};
  /** Set when the scheduling loop ended for a continue-as-new: promoted trials park. */
  #draining = false;
  /** Parked trials started again this run: trial id → the epoch their next segment trains to. */
  readonly #resumeAt = new Map<string, number>();
  #stopper: Stopper | undefined;

  constructor(options: SweepMachineOptions) {
    this.sweepId = options.sweepId;
    this.state = options.state;
    this.#spec = options.spec;
    this.#source = options.source;
    this.#historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    this.#now = options.now ?? (() => Date.now());
    this.useSearch(options.search ?? true, options.source);
  }

  /**
   * Whether TPE, early stopping and budgets act, and the source of trials that goes with it.
   * The workflow learns it from a patch called after the older ones (patch markers replay in
   * order), so it builds the machine as a plain sweep first and calls this before scheduling.
   */
  useSearch(search: boolean, source: TrialSource): void {
    this.#source = source;
    this.#budget = (search && this.#spec.budget) || {};
    const rule = search ? this.#spec.earlyStopping : undefined;
    if (rule) this.state.stopping ??= initialStoppingState(rule, this.#spec);
    this.#stopper = this.state.stopping ? stopperFor(this.#spec, this.state.stopping) : undefined;
  }

  /** The early-stopping rule of the sweep, when it has one. */
  get stopper(): Stopper | undefined {
    return this.#stopper;
  }

  /** Only the very first run writes the spec. */
  get firstRun(): boolean {
    return this.state.runs === 1 && this.state.nextIndex === 0;
  }

  pause(): void {
    this.state.paused = true;
  }

  resume(): void {
    this.state.paused = false;
  }

  /** True only the first time: the caller then cancels the running trials. */
  cancel(): boolean {
    if (this.state.cancelled) return false;
    this.state.cancelled = true;
    return true;
  }

  /** The update's validator: throws a message naming the field. */
  validateMaxParallel(value: unknown): void {
    const problem = checkMaxParallel(value);
    if (problem !== undefined) throw new Error(problem);
  }

  /** The update: validated, applied, returned. */
  setMaxParallel(value: number): number {
    this.validateMaxParallel(value);
    this.state.maxParallel = value;
    return value;
  }

  /** The pre-update signal: a bad value is ignored, as its recorded histories expect. */
  signalMaxParallel(value: unknown): void {
    if (checkMaxParallel(value) === undefined) this.state.maxParallel = value as number;
  }

  /** Whether the scheduling loop goes on: trials left, no budget reached, not cancelled, history not full. */
  scheduling(history: HistoryFacts): boolean {
    if (this.#source.exhausted(this.state) || this.state.cancelled) return false;
    if (this.budgetStop() !== undefined) return false;
    if (this.historyFull(history)) {
      this.#draining = true;
      return false;
    }
    return true;
  }

  /**
   * The budget that stops the scheduling (remembered once reached): maxTrials trials started,
   * more than maxFailedTrials failed, or maxHours of workflow time since the sweep started.
   */
  budgetStop(): BudgetStop | undefined {
    const { state } = this;
    if (state.budgetStop) return state.budgetStop;
    const { maxTrials, maxFailedTrials, maxHours } = this.#budget;
    let reached: BudgetStop | undefined;
    if (maxFailedTrials !== undefined && state.counts.failed > maxFailedTrials) {
      reached = { budget: "maxFailedTrials", limit: maxFailedTrials };
    } else if (maxTrials !== undefined && state.nextIndex >= maxTrials) {
      reached = { budget: "maxTrials", limit: maxTrials };
    } else if (maxHours !== undefined && this.msUntilDeadline() === 0) {
      reached = { budget: "maxHours", limit: maxHours };
    }
    if (reached && !this.#source.exhausted(state)) state.budgetStop = reached;
    return state.budgetStop;
  }

  /** Milliseconds of workflow time left under maxHours (undefined without it). */
  msUntilDeadline(): number | undefined {
    const { maxHours } = this.#budget;
    if (maxHours === undefined) return undefined;
    const end = Date.parse(this.state.startedAt) + maxHours * 3_600_000;
    return Math.max(0, end - this.#now());
  }

  /** Time to drain and continue as new (and remember the largest history seen). */
  historyFull(history: HistoryFacts): boolean {
    this.noteHistory(history.length);
    return history.continueAsNewSuggested || history.length >= this.#historyLimit;
  }

  noteHistory(length: number): void {
    this.state.largestHistory = Math.max(this.state.largestHistory, length);
  }

  /** What the scheduling loop waits for: a free slot while not paused, cancellation, a budget. */
  wakes(): boolean {
    const { state } = this;
    return (
      state.cancelled ||
      this.budgetStop() !== undefined ||
      (!state.paused && this.#activities < state.maxParallel && this.#source.ready(state))
    );
  }

  /** The next trial to start, marked running; undefined when cancelled, over budget or none is ready. */
  start(): TrialSpec | undefined {
    const trial = this.#take();
    if (trial) this.#activities += 1;
    return trial;
  }

  #take(): TrialSpec | undefined {
    if (this.state.cancelled || this.budgetStop() !== undefined) return undefined;
    const trial = this.#source.take(this.state);
    if (trial) this.running.add(trial.trialId);
    return trial;
  }

  /**
   * The next trials to start as one activity, marked running: the next trial and up to
   * `size - 1` consecutive ones of its pack group (`groupOf`; undefined: it trains alone).
   * Consecutive only, so the source's cursor stays the whole scheduling state.
   */
  startPack(size: number, groupOf: (trial: TrialSpec) => string | undefined): TrialSpec[] {
    const first = this.#take();
    if (!first) return [];
    this.#activities += 1;
    const pack = [first];
    const group = size > 1 ? groupOf(first) : undefined;
    while (group !== undefined && pack.length < size && this.#source.ready(this.state)) {
      const next = this.#source.peek?.(this.state);
      if (!next || groupOf(next) !== group) break;
      // A budget reached mid-pack (maxTrials) ends the pack there.
      const taken = this.#take();
      if (!taken) break;
      pack.push(taken);
    }
    return pack;
  }

  /** Trials parked by the previous run between segments, marked running again (start them first). */
  unpark(): TrialSpec[] {
    const parked = this.state.stopping?.parked ?? [];
    if (this.state.stopping) this.state.stopping.parked = [];
    for (const p of parked) {
      this.running.add(p.trial.trialId);
      this.#activities += 1;
      this.#resumeAt.set(p.trial.trialId, p.untilEpoch);
    }
    return parked.map((p) => p.trial);
  }

  /**
   * The epoch a trial's first segment this run trains to: where it was parked, else the rule's
   * first target; undefined (train to the end) without early stopping.
   */
  firstTarget(trial: TrialSpec): number | undefined {
    const parked = this.#resumeAt.get(trial.trialId);
    if (parked !== undefined) return parked;
    return this.stopper?.firstTarget(trial);
  }

  /**
   * A finished segment: the rule's decision; a trial promoted while the run drains for
   * continue-as-new (or once `history` is full) parks instead (no longer running; the next run
   * starts it first).
   */
  segmentDone(
    trial: TrialSpec,
    segment: { epoch: number; value: number | null },
    history?: HistoryFacts,
  ): SegmentDecision | "park" {
    // Segments add history after the last start too: a full history drains them as well.
    if (history && this.historyFull(history)) this.#draining = true;
    const value = segment.value ?? Number.NaN;
    const decision = this.stopper?.decide(trial, segment.epoch, value) ?? "stop";
    if (decision === "stop" || !this.#draining || this.state.cancelled) return decision;
    this.running.delete(trial.trialId);
    this.#activities -= 1;
    this.state.stopping?.parked.push({ trial, fromEpoch: segment.epoch, ...decision });
    return "park";
  }

  trainInput(trial: TrialSpec, segment?: { untilEpoch: number; stop?: boolean }): TrainTrialInput {
    const { sweepId, ...rest } = this.#activityInput();
    // The last segment trains to the end like any trial (no untilEpoch), still judged.
    const early = segment
      ? {
          ...(segment.untilEpoch < trial.config.epochs ? { untilEpoch: segment.untilEpoch } : {}),
          ...(this.stopper ? { judge: this.stopper.judge } : {}),
          ...(segment.stop ? { stop: true } : {}),
        }
      : {};
    return { sweepId, trial, ...rest, ...early };
  }

  packInput(trials: TrialSpec[]): TrainTrialsInput {
    return { ...this.#activityInput(), packId: packIdOf(trials), trials };
  }

  #activityInput(): Omit<TrainTrialInput, "trial"> {
    const spec = this.#spec;
    return {
      sweepId: this.sweepId,
      checkpointEvery: spec.training.checkpointEvery,
      objective: spec.objective,
      pool: spec.execution.pool,
      maximumAttempts: spec.execution.retry.maximumAttempts,
    };
  }

  /** A trial that did not return: cancelled (the sweep's doing) or failed, with what to record. */
  failed(
    trial: TrialSpec,
    failure: TrialFailure,
  ): { outcome: TrialOutcome; record?: RecordFailureInput } {
    const base = { trialId: trial.trialId, epochs: 0, resumes: 0, reused: false };
    if (this.state.cancelled && failure.cancellation) {
      return { outcome: { ...base, attempts: 0, status: "cancelled" } };
    }
    const attempts = attemptsOf(failure, this.#spec.execution.retry.maximumAttempts);
    if (this.#budget.maxFailedTrials !== undefined) {
      this.state.failures ??= [];
      this.state.failures.push({ trialId: trial.trialId, error: failure.message });
    }
    return {
      outcome: { ...base, attempts, status: "failed", error: failure.message },
      record: { sweepId: this.sweepId, trial, error: failure.message, attempts },
    };
  }

  /** Folds a finished solo trial in: no longer running, counted, shown to the source. */
  finish(outcome: TrialOutcome): void {
    this.#activities -= 1;
    this.#fold(outcome);
  }

  /** Folds in every trial of a finished pack (one activity). */
  finishPack(outcomes: TrialOutcome[]): void {
    this.#activities -= 1;
    for (const outcome of outcomes) this.#fold(outcome);
  }

  #fold(outcome: TrialOutcome): void {
    this.running.delete(outcome.trialId);
    recordOutcome(this.state, outcome, this.#spec.objective.mode);
    this.#source.observe?.(outcome, this.state);
  }

  /** After the drain: trials left (or parked), not cancelled, no budget reached: continue as new. */
  get continues(): boolean {
    if (this.state.cancelled || this.state.budgetStop) return false;
    return !this.#source.exhausted(this.state) || (this.state.stopping?.parked.length ?? 0) > 0;
  }

  /** Why the sweep fails: more than maxFailedTrials trials failed (each listed); else undefined. */
  budgetFailure(): string | undefined {
    if (this.state.budgetStop?.budget !== "maxFailedTrials") return undefined;
    const failures = this.state.failures ?? [];
    const listed = failures.map((f) => `${f.trialId}: ${f.error}`).join("; ");
    return `budget.maxFailedTrials (${this.state.budgetStop.limit}) exceeded: ${failures.length} trials failed (${listed})`;
  }

  /** The next run's state. */
  carryOver(): SweepState {
    return { ...this.state, runs: this.state.runs + 1 };
  }

  /**
   * Closes the counts (trials never started count as cancelled after a cancel); the problem
   * when they do not add up to the sweep's total.
   */
  settle(): string | undefined {
    // Trials a budget kept from starting are not the sweep's.
    const total = this.state.budgetStop ? this.state.nextIndex : this.#source.total(this.state);
    const parked = this.state.stopping?.parked.length ?? 0;
    if (this.state.cancelled) this.state.counts.cancelled += total - this.state.nextIndex + parked;
    const finished = finishedCount(this.state.counts);
    return finished === total
      ? undefined
      : `sweep bookkeeping mismatch: ${finished} of ${total} trials accounted for`;
  }

  /** What visibility shows (search attributes); `final` once the sweep has settled. */
  visible(final = false): VisibleSweep {
    const { state } = this;
    const running = state.cancelled ? "cancelling" : state.paused ? "paused" : "running";
    // A sweep past its maxFailedTrials budget fails after its summary.
    const settled = this.budgetFailure() === undefined ? "completed" : "failed";
    const finalState = state.cancelled ? "cancelled" : settled;
    const best = state.best?.objective;
    return {
      state: final ? finalState : running,
      done: finishedCount(state.counts),
      ...(best === undefined ? {} : { best }),
    };
  }

  progress(historyLength: number): SweepProgress {
    const { state } = this;
    return {
      sweepId: this.sweepId,
      total: this.#source.total(state),
      started: state.nextIndex,
      counts: state.counts,
      reused: state.reused,
      running: [...this.running],
      paused: state.paused,
      cancelled: state.cancelled,
      maxParallel: state.maxParallel,
      ...(state.best ? { best: state.best } : {}),
      runs: state.runs,
      historyLength,
    };
  }

  result(artefacts: SweepResult["artefacts"]): SweepResult {
    const { state } = this;
    return {
      sweepId: this.sweepId,
      total: state.budgetStop ? state.nextIndex : this.#source.total(state),
      counts: state.counts,
      reused: state.reused,
      ...(state.best ? { best: state.best } : {}),
      cancelled: state.cancelled,
      runs: state.runs,
      largestHistory: state.largestHistory,
      ...(state.budgetStop ? { budgetStop: state.budgetStop } : {}),
      artefacts,
    };
  }
}
