import { describe, expect, it } from "vitest";
import { usesSearchAttributes, visibilityQuery } from "../../../client/list";
import { UsageError } from "../../../errors";
import { expandTrials, parseSpec } from "../../../spec";
import type { TrialOutcome } from "../../../workflows/definitions";
import {
  changedSearchAttributes,
  initialSearchAttributes,
  registerCommands,
  SWEEP_SEARCH_ATTRIBUTES,
  searchAttributeDeclarations,
} from "../../../workflows/search-attributes";
import { SweepMachine } from "../../../workflows/sweep-machine";
import { initialState } from "../../../workflows/sweep-state";
import { gridSource } from "../../../workflows/trial-source";
import { rawSpec } from "../spec/fixtures";

const names = (pairs: { key: { name: string }; value: unknown }[]) =>
  Object.fromEntries(pairs.map((p) => [p.key.name, p.value]));

describe("sweep search attributes", () => {
  it("declares each attribute with the type the Temporal CLI names", () => {
    expect(searchAttributeDeclarations()).toEqual([
      { name: "HypersweepName", type: "Keyword" },
      { name: "HypersweepPool", type: "Keyword" },
      { name: "HypersweepState", type: "Keyword" },
      { name: "HypersweepBest", type: "Double" },
      { name: "HypersweepDone", type: "Int" },
      { name: "HypersweepTotal", type: "Int" },
    ]);
    // The CLI takes one --type per call: one command per type, every attribute once.
    const commands = registerCommands("prod");
    expect(commands).toHaveLength(3);
    expect(commands[0]).toBe(
      "temporal operator search-attribute create --namespace prod --name HypersweepName --name HypersweepPool --name HypersweepState --type Keyword",
    );
    expect(commands.join(" ").match(/--name /g)).toHaveLength(6);
  });

  it("starts as running with no trial done, and upserts only what changed", () => {
    expect(names(initialSearchAttributes({ name: "mlp", pool: "gpu", total: 12 }))).toEqual({
      HypersweepName: "mlp",
      HypersweepPool: "gpu",
      HypersweepState: "running",
      HypersweepDone: 0,
      HypersweepTotal: 12,
    });
    const before = { state: "running" as const, done: 3, best: 0.5 };
    expect(changedSearchAttributes(before, { ...before })).toEqual([]);
    expect(names(changedSearchAttributes(before, { ...before, done: 4, best: 0.25 }))).toEqual({
      HypersweepDone: 4,
      HypersweepBest: 0.25,
    });
    expect(names(changedSearchAttributes(before, { ...before, state: "paused" }))).toEqual({
      HypersweepState: "paused",
    });
    // A non-finite best is never written (a Double attribute cannot hold NaN).
    expect(changedSearchAttributes(before, { ...before, best: Number.NaN })).toEqual([]);
    expect(SWEEP_SEARCH_ATTRIBUTES.best.type).toBe("DOUBLE");
  });

  it("follows the machine: paused, cancelling, then the final state, best and count", () => {
    const raw = rawSpec();
    raw.execution = { maxParallel: 1 };
    const spec = parseSpec(raw);
    const trials = expandTrials(spec);
    const machine = new SweepMachine({
      sweepId: "vis-1",
      spec,
      state: initialState(1, "2026-12-01T00:00:00.000Z"),
      source: gridSource(trials),
    });
    expect(machine.visible()).toEqual({ state: "running", done: 0 });
    machine.pause();
    expect(machine.visible().state).toBe("paused");
    machine.resume();
    const first = machine.start();
    const outcome: TrialOutcome = {
      trialId: first?.trialId ?? "",
      status: "completed",
      epochs: 2,
      objective: 0.75,
      attempts: 1,
      resumes: 0,
      reused: false,
    };
    machine.finish(outcome);
    expect(machine.visible()).toEqual({ state: "running", done: 1, best: 0.75 });
    machine.cancel();
    expect(machine.visible().state).toBe("cancelling");
    machine.settle();
    expect(machine.visible(true)).toEqual({ state: "cancelled", done: trials.length, best: 0.75 });
  });
});

describe("list filters as visibility queries", () => {
  it("filters by name, pool and state (open states from the workflow, closed from Temporal)", () => {
    expect(visibilityQuery()).toBe("WorkflowType = 'sweepWorkflow'");
    expect(visibilityQuery({ name: "mlp-lr", pool: "gpu", state: "paused" })).toBe(
      "WorkflowType = 'sweepWorkflow' AND HypersweepName = 'mlp-lr' AND HypersweepPool = 'gpu' AND ExecutionStatus = 'Running' AND HypersweepState = 'paused'",
    );
    expect(visibilityQuery({ state: "completed", where: "HypersweepBest < 0.5" })).toBe(
      "WorkflowType = 'sweepWorkflow' AND ExecutionStatus = 'Completed' AND (HypersweepBest < 0.5)",
    );
    expect(usesSearchAttributes({ state: "completed" })).toBe(false);
    expect(usesSearchAttributes({ state: "running" })).toBe(true);
    expect(usesSearchAttributes({ name: "x" })).toBe(true);
  });

  it("refuses an unknown state and a name that would break the query (exit 2)", () => {
    expect(() => visibilityQuery({ state: "done" })).toThrow(UsageError);
    expect(() => visibilityQuery({ state: "done" })).toThrow(
      /--state: done is not a sweep state \(one of running, paused/,
    );
    expect(() => visibilityQuery({ name: "x' OR '1'='1" })).toThrow(/--name: /);
  });
});
