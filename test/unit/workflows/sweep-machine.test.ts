import { describe, expect, it } from "vitest";
import { expandTrials, parseSpec, type SweepSpec } from "../../../spec";
import type { TrialSpec } from "../../../spec/types";
import type { TrialOutcome } from "../../../workflows/definitions";
import {
  attemptsOf,
  type HistoryFacts,
  SweepMachine,
  type TrialFailure,
} from "../../../workflows/sweep-machine";
import { initialState } from "../../../workflows/sweep-state";
import { gridSource } from "../../../workflows/trial-source";
import { rawSpec } from "../spec/fixtures";

/** Six trials (3 learning rates x 2 seeds), maxParallel 2, 5 attempts per trial. */
function sweepSpec(): SweepSpec {
  const raw = rawSpec();
  delete raw.dataset.path;
  raw.dataset.s3 = "s3://hypersweep/datasets/abc/bmi.csv";
  raw.execution = { maxParallel: 2, retry: { maximumAttempts: 5 } };
  return parseSpec(raw);
}

function machineFor(spec = sweepSpec(), historyLimit = 1000) {
  const state = initialState(spec.execution.maxParallel, "2026-01-01T00:00:00.000Z");
  return new SweepMachine({
    sweepId: "s-1",
    spec,
    state,
    source: gridSource(expandTrials(spec)),
    historyLimit,
  });
}

const quiet: HistoryFacts = { length: 10, continueAsNewSuggested: false };

const done = (trial: TrialSpec, objective = 0.5): TrialOutcome => ({
  trialId: trial.trialId,
  status: "completed",
  epochs: 20,
  objective,
  attempts: 1,
  resumes: 0,
  reused: false,
});

/** Starts trials until the machine would wait (a full window, a pause or a cancel). */
function startAll(m: SweepMachine): TrialSpec[] {
  const started: TrialSpec[] = [];
  while (m.scheduling(quiet) && m.wakes()) {
    const trial = m.start();
    if (!trial) break;
    started.push(trial);
  }
  return started;
}

describe("sweep machine: scheduling", () => {
  it("starts trials in grid order up to maxParallel and one more per finished trial", () => {
    const m = machineFor();
    const first = startAll(m);
    expect(first.map((t) => t.index)).toEqual([0, 1]);
    expect(m.wakes()).toBe(false);
    m.finish(done(first[0]!));
    expect(startAll(m).map((t) => t.index)).toEqual([2]);
    expect(m.progress(42)).toMatchObject({ total: 6, started: 3, historyLength: 42 });
    expect(m.progress(42).running).toEqual([first[1]!.trialId, expect.any(String)]);
  });

  it("pause starts nothing while trials finish; resume starts again", () => {
    const m = machineFor();
    const first = startAll(m);
    m.pause();
    for (const t of first) m.finish(done(t));
    expect(m.running.size).toBe(0);
    expect(m.wakes()).toBe(false);
    expect(startAll(m)).toEqual([]);
    expect(m.progress(1).paused).toBe(true);
    m.resume();
    expect(startAll(m).map((t) => t.index)).toEqual([2, 3]);
  });

  it("cancel wakes the loop, starts nothing more, and fires only once", () => {
    const m = machineFor();
    const first = startAll(m);
    m.pause();
    expect(m.cancel()).toBe(true);
    expect(m.cancel()).toBe(false);
    expect(m.wakes()).toBe(true);
    expect(m.start()).toBeUndefined();
    expect(m.scheduling(quiet)).toBe(false);
    const cancelled = m.failed(first[0]!, { message: "cancelled", cancellation: true });
    expect(cancelled.record).toBeUndefined();
    m.finish(cancelled.outcome);
    m.finish(done(first[1]!));
    expect(m.continues).toBe(false);
    expect(m.settle()).toBeUndefined();
    // One cancelled while running, four never started.
    expect(m.state.counts).toEqual({ completed: 1, diverged: 0, failed: 0, cancelled: 5 });
    expect(m.result(artefacts).cancelled).toBe(true);
  });
});

const artefacts = { spec: "a", summary: "b", leaderboard: "c" };

describe("sweep machine: setMaxParallel", () => {
  it("the update applies a valid value and widens the window at once", () => {
    const m = machineFor();
    startAll(m);
    expect(m.setMaxParallel(4)).toBe(4);
    expect(startAll(m).map((t) => t.index)).toEqual([2, 3]);
    expect(m.progress(1).maxParallel).toBe(4);
  });

  it("the update's validator rejects bad values with a message naming the field", () => {
    const m = machineFor();
    for (const bad of [0, -1, 2.5, "3", Number.NaN, 2001]) {
      expect(() => m.validateMaxParallel(bad)).toThrow(/^maxParallel: must be/);
    }
    expect(() => m.setMaxParallel(0)).toThrow(/maxParallel/);
    expect(m.state.maxParallel).toBe(2);
    expect(() => m.validateMaxParallel(2000)).not.toThrow();
  });

  it("the legacy signal ignores a bad value and applies a good one", () => {
    const m = machineFor();
    m.signalMaxParallel(0);
    m.signalMaxParallel(1.5);
    expect(m.state.maxParallel).toBe(2);
    m.signalMaxParallel(3);
    expect(m.state.maxParallel).toBe(3);
  });
});

describe("sweep machine: failures", () => {
  it("records a failed trial with the attempts it made, and counts it failed", () => {
    const m = machineFor();
    const [a, b] = startAll(m);
    const nonRetryable: TrialFailure = {
      message: "unknown column",
      cancellation: false,
      reportedAttempt: 1,
      retryState: "NON_RETRYABLE_FAILURE",
    };
    const failed = m.failed(a!, nonRetryable);
    expect(failed.record).toEqual({
      sweepId: "s-1",
      trial: a,
      error: "unknown column",
      attempts: 1,
    });
    expect(failed.outcome).toMatchObject({
      status: "failed",
      attempts: 1,
      error: "unknown column",
    });
    m.finish(failed.outcome);
    m.finish(done(b!));
    expect(m.state.counts).toMatchObject({ completed: 1, failed: 1 });
    expect(m.state.best?.trialId).toBe(b!.trialId);
  });

  it("a cancellation error when the sweep was not cancelled is a failure", () => {
    const m = machineFor();
    const [a] = startAll(m);
    const failed = m.failed(a!, { message: "activity cancelled", cancellation: true });
    expect(failed.outcome.status).toBe("failed");
    expect(failed.record?.attempts).toBe(1);
  });

  it("attempts: reported, else all of them when retries ran out, else the one made", () => {
    const base = { message: "x", cancellation: false };
    expect(attemptsOf({ ...base, reportedAttempt: 3 }, 5)).toBe(3);
    expect(attemptsOf({ ...base, retryState: "MAXIMUM_ATTEMPTS_REACHED" }, 5)).toBe(5);
    expect(attemptsOf({ ...base, retryState: "NON_RETRYABLE_FAILURE" }, 5)).toBe(1);
  });

  it("settle reports counts that do not add up", () => {
    const m = machineFor();
    for (const t of startAll(m)) m.finish(done(t));
    m.state.nextIndex = 6;
    expect(m.settle()).toMatch(/mismatch: 2 of 6/);
  });
});

describe("sweep machine: continue-as-new", () => {
  it("stops scheduling at the history limit or when Temporal suggests it, then continues", () => {
    const m = machineFor(sweepSpec(), 500);
    const first = startAll(m);
    expect(m.scheduling({ length: 499, continueAsNewSuggested: false })).toBe(true);
    expect(m.scheduling({ length: 500, continueAsNewSuggested: false })).toBe(false);
    expect(m.scheduling({ length: 20, continueAsNewSuggested: true })).toBe(false);
    for (const t of first) m.finish(done(t));
    expect(m.continues).toBe(true);
    const next = m.carryOver();
    expect(next).toMatchObject({ runs: 2, nextIndex: 2, largestHistory: 500 });
    expect(next.counts.completed).toBe(2);
    expect(m.state.runs).toBe(1);
  });

  it("a continued run picks up where the last one stopped and finishes", () => {
    const spec = sweepSpec();
    const carried = { ...initialState(2, "2026-01-01T00:00:00.000Z"), nextIndex: 4, runs: 2 };
    carried.counts.completed = 4;
    const m = new SweepMachine({
      sweepId: "s-1",
      spec,
      state: carried,
      source: gridSource(expandTrials(spec)),
    });
    expect(m.firstRun).toBe(false);
    const rest = startAll(m);
    expect(rest.map((t) => t.index)).toEqual([4, 5]);
    for (const t of rest) m.finish(done(t));
    expect(m.scheduling(quiet)).toBe(false);
    expect(m.continues).toBe(false);
    expect(m.settle()).toBeUndefined();
    expect(m.result(artefacts)).toMatchObject({ total: 6, runs: 2, counts: { completed: 6 } });
  });
});
