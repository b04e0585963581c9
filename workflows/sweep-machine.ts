/**
 * The sweep as a state machine: every decision the sweep workflow makes (what to start next,
 * pause/resume/cancel, maxParallel changes, outcome and failure accounting, when to continue as
 * new, the final counts), free of Temporal so that unit tests drive it directly. The workflow
 * only wires it to activities, handlers and `condition`.
 */
import type { SweepSpec } from "../spec";
import type { TrialSpec } from "../spec/types";
import type {
  RecordFailureInput,
  SweepProgress,
  SweepResult,
  SweepState,
  TrainTrialInput,
  TrainTrialsInput,
  TrialOutcome,
} from "./definitions";
import { packIdOf } from "./pack-plan";
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
}

export class SweepMachine {
  readonly sweepId: string;
  readonly state: SweepState;
  readonly running = new Set<string>();
  /** Training activities in flight: a solo trial or a pack each count one of `maxParallel`. */
  #activities = 0;
  readonly #spec: SweepSpec;
  readonly #source: TrialSource;
  readonly #historyLimit: number;

  constructor(options: SweepMachineOptions) {
    this.sweepId = options.sweepId;
    this.state = options.state;
    this.#spec = options.spec;
    this.#source = options.source;
    this.#historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
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

  /** Whether the scheduling loop goes on: trials left, not cancelled, history not full. */
  scheduling(history: HistoryFacts): boolean {
    return (
      !this.#source.exhausted(this.state) && !this.state.cancelled && !this.historyFull(history)
    );
  }

  /** Time to drain and continue as new (and remember the largest history seen). */
  historyFull(history: HistoryFacts): boolean {
    this.noteHistory(history.length);
    return history.continueAsNewSuggested || history.length >= this.#historyLimit;
  }

  noteHistory(length: number): void {
    this.state.largestHistory = Math.max(this.state.largestHistory, length);
  }

  /** What the scheduling loop waits for: a free slot while not paused, or cancellation. */
  wakes(): boolean {
    const { state } = this;
    return (
      state.cancelled ||
      (!state.paused && this.#activities < state.maxParallel && this.#source.ready(state))
    );
  }

  /** The next trial to start, marked running; undefined when cancelled or none is ready. */
  start(): TrialSpec | undefined {
    const trial = this.#take();
    if (trial) this.#activities += 1;
    return trial;
  }

  #take(): TrialSpec | undefined {
    if (this.state.cancelled) return undefined;
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
      pack.push(this.#take()!);
    }
    return pack;
  }

  trainInput(trial: TrialSpec): TrainTrialInput {
    const { sweepId, ...rest } = this.#activityInput();
    return { sweepId, trial, ...rest };
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

  /** After the drain: trials left and not cancelled means continue as new. */
  get continues(): boolean {
    return !this.#source.exhausted(this.state) && !this.state.cancelled;
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
    const { total } = this.#source;
    if (this.state.cancelled) this.state.counts.cancelled += total - this.state.nextIndex;
    const finished = finishedCount(this.state.counts);
    return finished === total
      ? undefined
      : `sweep bookkeeping mismatch: ${finished} of ${total} trials accounted for`;
  }

  progress(historyLength: number): SweepProgress {
    const { state } = this;
    return {
      sweepId: this.sweepId,
      total: this.#source.total,
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
      total: this.#source.total,
      counts: state.counts,
      reused: state.reused,
      ...(state.best ? { best: state.best } : {}),
      cancelled: state.cancelled,
      runs: state.runs,
      largestHistory: state.largestHistory,
      artefacts,
    };
  }
}
