import { describe, expect, it } from "vitest";
import { expandTrials, parseSpec, type SweepSpec } from "../../../spec";
import type { TrialOutcome } from "../../../workflows/definitions";
import {
  AUTO_PACK_LINEAR,
  AUTO_PACK_NATIVE,
  autoPackSize,
  packGroupByOptimizerOf,
  packGroupOf,
  packIdOf,
} from "../../../workflows/pack-plan";
import { SweepMachine } from "../../../workflows/sweep-machine";
import { initialState } from "../../../workflows/sweep-state";
import { gridSource } from "../../../workflows/trial-source";
import { type RawSpec, rawSpec } from "../spec/fixtures";

function spec(patch: (raw: RawSpec) => void = () => {}): SweepSpec {
  const raw = rawSpec();
  delete raw.dataset.path;
  raw.dataset.s3 = "s3://hypersweep/datasets/abc/bmi.csv";
  raw.execution = { maxParallel: 2 };
  patch(raw);
  return parseSpec(raw);
}

function machine(s: SweepSpec) {
  return new SweepMachine({
    sweepId: "s-1",
    spec: s,
    state: initialState(s.execution.maxParallel, "2026-01-01T00:00:00.000Z"),
    source: gridSource(expandTrials(s)),
  });
}

const outcome = (trialId: string): TrialOutcome => ({
  trialId,
  status: "completed",
  epochs: 20,
  objective: 0.5,
  attempts: 1,
  resumes: 0,
  reused: false,
});

describe("pack plan", () => {
  it("groups trials by dataset, model, batch size and epochs, optimizers mixed; dropout and l2 train solo", () => {
    const trials = expandTrials(
      spec((r) => {
        r.grid.optimizer = ["sgd", "adam"];
        r.grid.momentum = [0, 0.9];
        r.grid.batchSize = [16, 32];
      }),
    );
    expect(new Set(trials.map(packGroupOf)).size).toBe(2);
    const b16 = trials.filter((t) => t.config.batchSize === 16);
    expect(new Set(b16.map(packGroupOf)).size).toBe(1);
    // Sweeps started before mixed packs: one rule and slot layout per group (SGD with and
    // without momentum apart; Adam has no momentum slot whatever its value).
    expect(new Set(trials.map(packGroupByOptimizerOf)).size).toBe(6);
    expect(new Set(b16.map(packGroupByOptimizerOf)).size).toBe(3);
    for (const extra of [{ dropout: 0.2 }, { l2: 0.01 }]) {
      const [t] = expandTrials(spec((r) => Object.assign(r.model, extra)));
      expect(packGroupOf(t!)).toBeUndefined();
      expect(packGroupByOptimizerOf(t!)).toBeUndefined();
    }
  });

  it("auto: linear always packs, an MLP only where the pool trains on native TensorFlow", () => {
    const linear = spec((r) => {
      r.dataset.task = "regression";
      delete r.dataset.numClasses;
      r.model = { type: "linear" };
      r.grid = { optimizer: ["sgd"], learningRate: [0.01], seed: [1] };
    });
    expect(autoPackSize(linear, [])).toBe(AUTO_PACK_LINEAR);
    const mlp = spec();
    expect(autoPackSize(mlp, [])).toBe(1);
    expect(autoPackSize(mlp, [{ backend: "wasm", devices: ["cpu"] }])).toBe(1);
    const native = [
      { backend: "wasm", devices: ["cpu"] },
      { backend: "tensorflow", devices: ["cpu"] },
    ];
    expect(autoPackSize(mlp, native)).toBe(AUTO_PACK_NATIVE);
    // 32 layers of 8192: one trial's weights alone are ~8.6 GB, so it cannot share a pack.
    const huge = spec((r) => {
      r.model.hidden = Array.from({ length: 32 }, () => 8192);
    });
    expect(autoPackSize(huge, native)).toBe(1);
  });

  it("startPack takes consecutive trials of one group, up to the size; a pack is one slot", () => {
    const s = spec((r) => {
      r.grid.optimizer = ["sgd", "adam"];
      r.grid.learningRate = [0.1, 0.01];
      r.grid.seed = [1, 2, 3];
      r.execution.maxParallel = 2;
    });
    const mixed = machine(s);
    // Optimizers mix: packs run across sgd's and adam's trials.
    expect(mixed.startPack(8, packGroupOf).map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Before mixed packs, a pack stops where the next rule begins.
    const m = machine(s);
    const first = m.startPack(4, packGroupByOptimizerOf);
    expect(first.map((t) => t.index)).toEqual([0, 1, 2, 3]);
    // The rest of sgd's group: the pack stops where adam's begins.
    const second = m.startPack(4, packGroupByOptimizerOf);
    expect(second.map((t) => t.index)).toEqual([4, 5]);
    expect(m.wakes()).toBe(false);
    expect(m.running.size).toBe(6);
    expect(m.packInput(first)).toMatchObject({ packId: packIdOf(first), trials: first });
    expect(packIdOf(first)).toBe(`pack-${first[0]!.trialId.slice(2)}-4`);
    m.finishPack(first.map((t) => outcome(t.trialId)));
    expect(m.wakes()).toBe(true);
    expect(m.running.size).toBe(2);
    expect(m.startPack(4, packGroupByOptimizerOf).map((t) => t.config.optimizer.name)).toEqual([
      "adam",
      "adam",
      "adam",
      "adam",
    ]);
    expect(m.state.counts.completed).toBe(4);
  });

  it("size 1, or a trial without a group, starts one trial", () => {
    const m = machine(spec());
    expect(m.startPack(1, packGroupOf)).toHaveLength(1);
    expect(m.startPack(8, () => undefined)).toHaveLength(1);
    expect(m.wakes()).toBe(false);
  });
});
