import { msToTs } from "@temporalio/common/lib/time";
import { describe, expect, it } from "vitest";
import { SweepClient } from "../../client";
import { UsageError } from "../../errors";
import { expandTrials } from "../../spec";
import { SWEEP_SEARCH_ATTRIBUTES as SA } from "../../workflows/search-attributes";
import { RUN, smallSweep, startSweep, useSweepEnvironment, waitFor } from "./support/harness";

/** Workflow ids with a run matching `query` (every run of a continue-as-new chain is a row). */
async function found(client: SweepClient, query: string): Promise<string[]> {
  const ids = new Set<string>();
  for await (const w of client.client.workflow.list({ query })) ids.add(w.workflowId);
  return [...ids];
}

describe("sweeps in Temporal visibility: search attributes, activity ids", () => {
  const pool = `visibility-${RUN}`;
  const env = useSweepEnvironment(pool, [[]]);
  const { config } = env;

  it("finds a sweep by name, state, progress and best; names trials in activity ids", async () => {
    const spec = await smallSweep(config, "visible", pool, {
      epochs: 3,
      checkpointEvery: 1,
      maxParallel: 1,
      momenta: [0, 0.5, 0.9],
      // One activity per trial: the ids checked below are trial ids.
      pack: 1,
    });
    const total = expandTrials(spec).length;
    // A low history limit: search attributes must survive continue-as-new.
    const sweepId = await startSweep(env.client, spec, { historyLimit: 20 });
    console.log(`visibility sweep: ${sweepId}`);
    const byName = `HypersweepName = '${spec.name}'`;
    // Paused at once: three 3-epoch trials can all finish between two polls for a running one.
    await env.client.signal(sweepId, "pause");
    const paused = await waitFor("the paused sweep in visibility", async () => {
      const ids = await env.client.list(10, { name: spec.name, state: "paused" });
      return ids.length ? ids : undefined;
    });
    expect(paused.map((s) => [s.sweepId, s.state])).toEqual([[sweepId, "paused"]]);
    // Paused, the sweep holds: at most the trial it had already started.
    const held = await env.client.status(sweepId);
    expect(held.state === "running" && held.progress.paused).toBe(true);
    if (held.state === "running") expect(held.progress.started).toBeLessThanOrEqual(1);
    await env.client.signal(sweepId, "resume");
    const result = await env.client.wait(sweepId);
    expect(result.runs).toBeGreaterThan(1);

    const done = `${byName} AND HypersweepState = 'completed' AND HypersweepDone = ${total}`;
    await waitFor("the finished sweep by attributes", async () =>
      (await found(env.client, done)).includes(sweepId) ? true : undefined,
    );
    const described = await env.client.handle(sweepId).describe();
    const attrs = described.typedSearchAttributes;
    expect(attrs.get(SA.pool)).toBe(pool);
    expect(attrs.get(SA.total)).toBe(total);
    expect(attrs.get(SA.best)).toBeCloseTo(result.best?.objective as number, 10);
    const best = result.best?.objective as number;
    // The final run: a closed earlier run of the chain keeps the best it had then.
    const last = `${byName} AND ExecutionStatus = 'Completed'`;
    expect(await found(env.client, `${last} AND HypersweepBest >= ${best}`)).toEqual([sweepId]);
    expect(await found(env.client, `${last} AND HypersweepBest > ${best}`)).toEqual([]);
    const listed = await env.client.list(10, { name: spec.name, state: "completed", pool });
    expect(listed.map((s) => s.sweepId)).toEqual([sweepId]);
    expect(await env.client.list(10, { name: spec.name, state: "paused" })).toEqual([]);

    // Every training activity (in every run) is named after its trial.
    const scheduled: string[] = [];
    const trialIds: string[] = [];
    for await (const w of env.client.client.workflow.list({ query: `WorkflowId = '${sweepId}'` })) {
      const history = await env.client.client.workflow.getHandle(sweepId, w.runId).fetchHistory();
      for (const e of history.events ?? []) {
        const a = e.activityTaskScheduledEventAttributes;
        if (a?.activityType?.name !== "trainTrial") continue;
        scheduled.push(a.activityId ?? "");
      }
    }
    for (const t of expandTrials(spec)) trialIds.push(`trial-${t.trialId}`);
    expect(scheduled.sort()).toEqual(trialIds.sort());
  }, 600_000);

  it("a namespace without the attributes still starts sweeps, warning once how to register them", async () => {
    const namespace = `bare-${RUN}`;
    await env.client.client.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs("1 day"),
    });
    const bare = await SweepClient.connect({
      ...config,
      temporal: { ...config.temporal, namespace },
    });
    try {
      const spec = await smallSweep(config, "bare", pool, {
        epochs: 1,
        checkpointEvery: 1,
        maxParallel: 1,
      });
      // A new namespace reaches the frontend's cache within seconds.
      const first = await waitFor("the new namespace", () => bare.start(spec), 60_000);
      expect(first.started).toBe(true);
      expect(first.warning).toMatch(/namespace bare-\w+ has no hypersweep search attributes/);
      expect(first.warning).toContain(
        `temporal operator search-attribute create --namespace ${namespace} --name HypersweepName`,
      );
      const second = await bare.start({ ...spec, name: `${spec.name}-2` });
      expect(second.started).toBe(true);
      expect(second.warning).toBeUndefined();
      const description = await bare.handle(first.sweepId).describe();
      expect(description.memo).toMatchObject({ name: spec.name, pool });
      expect(description.typedSearchAttributes.get(SA.name)).toBeUndefined();
      // Filters that need the attributes fail with the command that registers them (exit 2).
      await expect(bare.list(10, { name: spec.name })).rejects.toThrow(UsageError);
      await expect(bare.list(10, { name: spec.name })).rejects.toThrow(
        /temporal operator search-attribute create/,
      );
      for (const id of [first.sweepId, second.sweepId]) await bare.handle(id).terminate("test");
    } finally {
      await bare.close();
    }
  }, 180_000);
});
