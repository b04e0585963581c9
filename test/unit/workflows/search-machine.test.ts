import { describe, expect, it } from "vitest";
import { expandTrials, parseSpec, type SweepSpec } from "../../../spec";
import type { TrialSpec } from "../../../spec/types";
import type { SweepState, TrialOutcome } from "../../../workflows/definitions";
import { tpeSource } from "../../../workflows/search-source";
import { type HistoryFacts, SweepMachine } from "../../../workflows/sweep-machine";
import { initialState } from "../../../workflows/sweep-state";
import { gridSource, type TrialSource } from "../../../workflows/trial-source";
import { type RawSpec, rawSpec } from "../spec/fixtures";

const STARTED = "2026-01-01T00:00:00.000Z";
const quiet: HistoryFacts = { length: 10, continueAsNewSuggested: false };
const full: HistoryFacts = { length: 10, continueAsNewSuggested: true };

function specOf(patch: (raw: RawSpec) => void): SweepSpec {
  const raw = rawSpec();
  delete raw.dataset.path;
  raw.dataset.s3 = "s3://hypersweep/datasets/abc/bmi.csv";
  raw.execution = { maxParallel: 2, retry: { maximumAttempts: 3 } };
  patch(raw);
  return parseSpec(raw);
}

function tpeSpec(): SweepSpec {
  return specOf((raw) => {
    raw.grid = {
      optimizer: ["sgd"],
      learningRate: { loguniform: [1e-4, 0.3] },
      batchSize: { choice: [16, 32, 64] },
      seed: [1],
    };
    raw.search = { method: "tpe", trials: 8, seed: 3, startupTrials: 3 };
  });
}

function machine(spec: SweepSpec, opts: { state?: SweepState; now?: () => number } = {}) {
  const source: TrialSource =
    spec.search?.method === "tpe" ? tpeSource(spec, spec.search) : gridSource(expandTrials(spec));
  return new SweepMachine({
    sweepId: "s-1",
    spec,
    state: opts.state ?? initialState(spec.execution.maxParallel, STARTED),
    source,
    historyLimit: 1000,
    ...(opts.now ? { now: opts.now } : {}),
  });
}

const outcome = (
  trial: TrialSpec,
  objective: number,
  status: TrialOutcome["status"] = "completed",
) =>
  ({
    trialId: trial.trialId,
    status,
    epochs: 20,
    objective,
    attempts: 1,
    resumes: 0,
    reused: false,
  }) satisfies TrialOutcome;

function startReady(m: SweepMachine): TrialSpec[] {
  const out: TrialSpec[] = [];
  while (m.scheduling(quiet) && m.wakes()) {
    const t = m.start();
    if (!t) break;
    out.push(t);
  }
  return out;
}

/** A toy objective that prefers learning rates near 0.03. */
const score = (t: TrialSpec) =>
  -Math.abs(Math.log(t.params.learningRate as number) - Math.log(0.03));

/** Runs a TPE sweep to the end, finishing the oldest running trial each step; every trial, in order. */
function runTpe(spec: SweepSpec, carryEvery?: number): TrialSpec[] {
  let m = machine(spec);
  const all: TrialSpec[] = [];
  const running: TrialSpec[] = [];
  let steps = 0;
  for (;;) {
    running.push(...startReady(m));
    all.push(...running.filter((t) => !all.includes(t)));
    const next = running.shift();
    if (!next) break;
    m.finish(outcome(next, score(next)));
    steps += 1;
    if (carryEvery && steps % carryEvery === 0 && running.length === 0) {
      // Continue-as-new: only the JSON state travels.
      m = machine(spec, { state: JSON.parse(JSON.stringify(m.carryOver())) });
    }
  }
  expect(m.settle()).toBeUndefined();
  return all;
}

describe("TPE as the workflow's trial source", () => {
  it("starts with the start-up points the expansion shows, then proposes from results", () => {
    const spec = tpeSpec();
    const m = machine(spec);
    const first = startReady(m);
    // maxParallel 2: the first two start-up trials, exactly those --dry-run lists.
    expect(first.map((t) => t.trialId)).toEqual(
      expandTrials(spec)
        .slice(0, 2)
        .map((t) => t.trialId),
    );
    m.finish(outcome(first[0]!, 0.5));
    const third = startReady(m);
    expect(third.map((t) => t.trialId)).toEqual([expandTrials(spec)[2]!.trialId]);
    expect(m.state.search?.observations).toHaveLength(1);
    expect(Object.keys(m.state.search?.pending ?? {})).toHaveLength(2);
  });

  it("waits for a first result before proposing past the start-up points", () => {
    const spec = specOf((raw) => {
      raw.grid = { optimizer: ["sgd"], learningRate: { loguniform: [1e-4, 0.3] }, seed: [1] };
      raw.search = { method: "tpe", trials: 5, seed: 1, startupTrials: 1 };
      raw.execution.maxParallel = 4;
    });
    const m = machine(spec);
    const started = startReady(m);
    expect(started).toHaveLength(1);
    expect(m.wakes()).toBe(false);
    m.finish(outcome(started[0]!, 0.4));
    expect(startReady(m)).toHaveLength(4);
  });

  it("is deterministic, replays identically after continue-as-new, and moves toward the good region", () => {
    const spec = tpeSpec();
    const a = runTpe(spec);
    const b = runTpe(spec);
    const carried = runTpe(spec, 2);
    expect(a).toHaveLength(8);
    expect(b.map((t) => t.trialId)).toEqual(a.map((t) => t.trialId));
    expect(carried.map((t) => t.trialId)).toEqual(a.map((t) => t.trialId));
    expect(new Set(a.map((t) => t.trialId)).size).toBe(8);
    expect(a.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Proposals differ from what random search would have drawn at the same positions.
    const random = expandTrials({ ...spec, search: { method: "random", trials: 8, seed: 3 } });
    expect(a.slice(3).map((t) => t.trialId)).not.toEqual(random.slice(3).map((t) => t.trialId));
  });

  it("keeps its carried state small: one short entry per finished trial", () => {
    const spec = tpeSpec();
    const m = machine(spec);
    const running = startReady(m);
    for (const t of running) m.finish(outcome(t, score(t)));
    const size = JSON.stringify(m.state.search).length;
    expect(size).toBeLessThan(2000);
  });
});

describe("budgets", () => {
  it("maxTrials stops the scheduling and counts only the trials started", () => {
    const spec = specOf((raw) => {
      raw.budget = { maxTrials: 3 };
    });
    const m = machine(spec);
    const first = startReady(m);
    for (const t of first) m.finish(outcome(t, 0.5));
    const second = startReady(m);
    expect(second).toHaveLength(1);
    expect(m.scheduling(quiet)).toBe(false);
    m.finish(outcome(second[0]!, 0.5));
    expect(m.state.budgetStop).toEqual({ budget: "maxTrials", limit: 3 });
    expect(m.continues).toBe(false);
    expect(m.settle()).toBeUndefined();
    expect(m.result({ spec: "", summary: "", leaderboard: "" })).toMatchObject({
      total: 3,
      budgetStop: { budget: "maxTrials", limit: 3 },
    });
    expect(m.budgetFailure()).toBeUndefined();
  });

  it("maxFailedTrials exceeded ends the sweep as failed, listing the failures", () => {
    const spec = specOf((raw) => {
      raw.budget = { maxFailedTrials: 1 };
    });
    const m = machine(spec);
    const [a, b] = startReady(m);
    const failure = { message: "boom", cancellation: false, reportedAttempt: 3 };
    m.finish(m.failed(a!, failure).outcome);
    expect(m.state.budgetStop).toBeUndefined();
    const [c] = startReady(m);
    m.finish(m.failed(b!, failure).outcome);
    expect(m.scheduling(quiet)).toBe(false);
    expect(m.state.budgetStop).toEqual({ budget: "maxFailedTrials", limit: 1 });
    m.finish(outcome(c!, 0.7));
    expect(m.settle()).toBeUndefined();
    expect(m.budgetFailure()).toBe(
      `budget.maxFailedTrials (1) exceeded: 2 trials failed (${a!.trialId}: boom; ${b!.trialId}: boom)`,
    );
  });

  it("maxHours reads workflow time: a deadline to wait for, then no more starts", () => {
    let now = Date.parse(STARTED);
    const spec = specOf((raw) => {
      raw.budget = { maxHours: 0.5 };
    });
    const m = machine(spec, { now: () => now });
    expect(m.msUntilDeadline()).toBe(1_800_000);
    const first = startReady(m);
    now += 1_800_000;
    expect(m.wakes()).toBe(true);
    expect(m.scheduling(quiet)).toBe(false);
    expect(m.start()).toBeUndefined();
    for (const t of first) m.finish(outcome(t, 0.5));
    expect(m.settle()).toBeUndefined();
    expect(m.state.budgetStop).toEqual({ budget: "maxHours", limit: 0.5 });
  });

  it("maxTrials reached inside a pack ends the pack there; TPE trials run alone", () => {
    const spec = specOf((raw) => {
      raw.grid = { optimizer: ["sgd"], learningRate: [0.1, 0.05, 0.01, 0.005, 0.001], seed: [1] };
      raw.budget = { maxTrials: 3 };
    });
    const m = machine(spec);
    const pack = m.startPack(4, () => "sgd");
    expect(pack.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(m.state.budgetStop).toEqual({ budget: "maxTrials", limit: 3 });
    const tpe = machine(tpeSpec());
    expect(tpe.startPack(4, () => "sgd")).toHaveLength(1);
  });

  it("says nothing when the sweep ends exactly at the limit", () => {
    const spec = specOf((raw) => {
      raw.budget = { maxTrials: 6 };
    });
    const m = machine(spec);
    for (let i = 0; i < 3; i++) for (const t of startReady(m)) m.finish(outcome(t, 0.5));
    expect(m.state.budgetStop).toBeUndefined();
    expect(m.settle()).toBeUndefined();
  });
});

describe("early stopping segments", () => {
  function ashaSpec(): SweepSpec {
    return specOf((raw) => {
      raw.training = { epochs: 9, checkpointEvery: 3 };
      raw.grid = {
        optimizer: ["sgd"],
        learningRate: [0.1, 0.05, 0.01, 0.005, 0.001, 0.0005],
        seed: [1],
      };
      raw.earlyStopping = { method: "asha", minEpochs: 1, reductionFactor: 3 };
      raw.execution.maxParallel = 6;
    });
  }

  it("ASHA: segments end at the rungs; the top third is promoted, the rest stop", () => {
    const m = machine(ashaSpec());
    const trials = startReady(m);
    expect(trials).toHaveLength(6);
    expect(trials.map((t) => m.firstTarget(t))).toEqual([1, 1, 1, 1, 1, 1]);
    const values = [0.1, 0.5, 0.2, 0.6, 0.3, 0.4];
    const decisions = trials.map((t, i) => m.segmentDone(t, { epoch: 1, value: values[i]! }));
    // Asynchronous: the first arrival is promoted alone; later ones face the rung so far.
    expect(decisions).toEqual([
      { untilEpoch: 3 },
      { untilEpoch: 3 },
      "stop",
      { untilEpoch: 3 },
      "stop",
      "stop",
    ]);
    expect(m.segmentDone(trials[1]!, { epoch: 3, value: 0.7 })).toEqual({ untilEpoch: 9 });
    const input = m.trainInput(trials[1]!, { untilEpoch: 9 });
    expect(input.untilEpoch).toBeUndefined();
    expect(input.judge).toBe("valMetric");
    expect(m.trainInput(trials[2]!, { untilEpoch: 1, stop: true })).toMatchObject({
      untilEpoch: 1,
      stop: true,
    });
    m.finish(outcome(trials[2]!, 0.2, "stopped"));
    expect(m.state.counts.stopped).toBe(1);
  });

  it("a trial promoted while the run drains parks, and the next run starts it first", () => {
    const spec = ashaSpec();
    const m = machine(spec);
    const [a, b] = startReady(m);
    expect(m.segmentDone(a!, { epoch: 1, value: 0.5 }, full)).toBe("park");
    expect(m.segmentDone(b!, { epoch: 1, value: 0.1 })).toBe("stop");
    m.finish(outcome(b!, 0.1, "stopped"));
    expect(m.running.size).toBe(4);
    for (const t of [...m.running]) {
      const trial = expandTrials(spec).find((x) => x.trialId === t)!;
      expect(m.segmentDone(trial, { epoch: 1, value: 0 })).toBe("stop");
      m.finish(outcome(trial, 0, "stopped"));
    }
    expect(m.continues).toBe(true);
    const next = machine(spec, { state: JSON.parse(JSON.stringify(m.carryOver())) });
    const resumed = next.unpark();
    expect(resumed.map((t) => t.trialId)).toEqual([a!.trialId]);
    expect(next.firstTarget(resumed[0]!)).toBe(3);
    expect(next.running.has(a!.trialId)).toBe(true);
    // The rung remembers every result across the continue-as-new.
    expect(Object.keys(next.state.stopping?.asha?.rungs[0] ?? {})).toHaveLength(6);
  });

  it("median: segments every checkpointEvery epochs after the warm-up", () => {
    const spec = specOf((raw) => {
      raw.training = { epochs: 10, checkpointEvery: 2 };
      raw.earlyStopping = { method: "median", warmupEpochs: 3, minTrials: 1 };
    });
    const m = machine(spec);
    const [a, b] = startReady(m);
    expect(m.firstTarget(a!)).toBe(4);
    expect(m.segmentDone(a!, { epoch: 4, value: 0.6 })).toEqual({ untilEpoch: 6 });
    expect(m.segmentDone(b!, { epoch: 4, value: 0.4 })).toBe("stop");
  });
});
