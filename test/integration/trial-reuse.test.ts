/**
 * Trials are kept by trial id, not by sweep: a sweep that shares trials with an earlier one
 * trains only its new trials (through the CLI, as a user changes one value of a spec), two
 * sweeps sharing trials at once train each shared trial once, and `run --retrain` trains again.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { retrainTrials } from "../../client";
import { expandTrials, parseSpec } from "../../spec";
import type { SweepSummary, TrialArtifact } from "../../storage/artifacts";
import { trialKeys } from "../../storage/keys";
import type { OwnerRecord } from "../../storage/lease";
import { readAllTrials, readTrial } from "../../storage/trials";
import {
  bmiSpec,
  prepare,
  RUN,
  readSummary,
  runCli,
  startSweep,
  useSweepEnvironment,
} from "./support/harness";

const POOL = `reuse-${RUN}`;

/** 2 seeds × the learning rates, sgd, 3 epochs, on the BMI data (packed: execution.pack auto). */
function spec(name: string, learningRate: number[], patch: Record<string, unknown> = {}) {
  return bmiSpec(name, POOL, {
    grid: { optimizer: ["sgd"], learningRate, seed: [1, 2] },
    ...patch,
  });
}

/** `hypersweep run FILE --wait --json`, as a user runs it: the summary it prints. */
async function runSpec(dir: string, doc: object, ...flags: string[]): Promise<SweepSummary> {
  const file = join(dir, `${(doc as { name: string }).name}-${flags.join("")}.yaml`);
  await writeFile(file, stringify(doc));
  const r = await runCli(["run", file, "--wait", "--json", ...flags], { timeout: 300_000 });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as SweepSummary;
}

/** ETags of a trial's result and owner record: unchanged means nothing trained or claimed it. */
async function versions(store: ReturnType<typeof useSweepEnvironment>["store"], ids: string[]) {
  const out: Record<string, [string | undefined, string | undefined]> = {};
  for (const id of ids) {
    const k = trialKeys(id);
    out[id] = [await store.etagOf(k.curves), await store.etagOf(k.owner)];
  }
  return out;
}

describe("reuse by trial across sweeps", () => {
  const env = useSweepEnvironment(POOL, [[], []]);
  const { config, store } = env;

  it("changing one learning rate trains only the new trials; --retrain trains them all", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hypersweep-reuse-"));
    const name = `reuse-${RUN}`;
    const first = await runSpec(dir, spec(name, [0.01, 0.05, 0.1]));
    expect(first.total).toBe(6);
    expect(first.counts.completed).toBe(6);
    expect(first.reused).toBe(0);
    const firstIds = first.leaderboard.map((t) => t.trialId);
    const before = await versions(store, firstIds);

    // The same spec with one learning rate changed: a new sweep, 4 of its 6 trials known.
    const second = await runSpec(dir, spec(name, [0.01, 0.05, 0.2]));
    expect(second.sweepId).not.toBe(first.sweepId);
    expect(second.counts.completed).toBe(6);
    expect(second.reused).toBe(4);
    const shared = second.leaderboard.filter((t) => firstIds.includes(t.trialId));
    expect(shared.map((t) => t.params.learningRate).sort()).toEqual([0.01, 0.01, 0.05, 0.05]);
    expect(shared.every((t) => t.reused)).toBe(true);
    const fresh = second.leaderboard.filter((t) => !firstIds.includes(t.trialId));
    expect(fresh.map((t) => [t.params.learningRate, t.reused])).toEqual([
      [0.2, false],
      [0.2, false],
    ]);
    // Untouched trials were neither retrained nor even claimed: same objects, same versions.
    expect(await versions(store, firstIds)).toEqual(before);
    for (const t of fresh)
      expect((await readTrial(store, t.trialId))?.sweepId).toBe(second.sweepId);
    for (const t of shared) {
      const stored = (await readTrial(store, t.trialId)) as TrialArtifact;
      expect(stored.sweepId).toBe(first.sweepId);
      expect(t.finalValMetric).toBe(
        first.leaderboard.find((x) => x.trialId === t.trialId)?.finalValMetric,
      );
    }
    // One copy of each trial: both sweeps list theirs, the shared ones from the same objects.
    expect((await readAllTrials(store, first.sweepId)).map((a) => a.trialId).sort()).toEqual(
      [...firstIds].sort(),
    );
    expect((await readAllTrials(store, second.sweepId)).length).toBe(6);
    const trialRoots = new Set((await store.list("trials/")).map((k) => k.split("/")[1]));
    for (const id of [...firstIds, ...fresh.map((t) => t.trialId)])
      expect(trialRoots).toContain(id);

    // What the user sees of the second sweep: status counts the reused trials, and the report
    // lists all six, the four shared ones marked reused (row and overview).
    const status = await runCli(["status", second.sweepId]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("6 completed");
    expect(status.stdout).toContain("(4 reused)");
    const out = join(dir, "report");
    const report = await runCli(["report", second.sweepId, "--out", out]);
    expect(report.code, report.stderr).toBe(0);
    const html = await readFile(join(out, "index.html"), "utf8");
    const rows = [
      ...html.matchAll(/<tr data-trial="([^"]+)" class="row-(\w+)"( data-reused="")?>/g),
    ];
    expect(new Set(rows.map((m) => m[1]))).toEqual(
      new Set(second.leaderboard.map((t) => t.trialId)),
    );
    const reusedRows = new Set(rows.filter((m) => m[3]).map((m) => m[1]));
    expect(reusedRows).toEqual(new Set(shared.map((t) => t.trialId)));
    expect(html).toContain("4 of 6 trials reused");

    // --retrain: every trial of the spec trains again, none is reused.
    const again = await runSpec(dir, spec(name, [0.01, 0.05, 0.2]), "--retrain");
    expect(again.sweepId).toBe(second.sweepId);
    expect(again.reused).toBe(0);
    expect(again.counts.completed).toBe(6);
    const retrained = await versions(store, [shared[0]!.trialId]);
    expect(retrained[shared[0]!.trialId]![0]).not.toBe(before[shared[0]!.trialId]![0]);
    const owner = await store.getJson<OwnerRecord>(trialKeys(shared[0]!.trialId).owner);
    expect(owner.token).toBe(2);
  });

  it("two sweeps sharing trials at once train each shared trial once, and both complete", async () => {
    // Both sweeps start with the same trials (learning rate 0.3 comes first in each), one at a
    // time, so each shared trial is wanted by both sweeps while one of them trains it.
    const make = async (suffix: string, lrs: number[]) => {
      const doc = spec(`share-${suffix}-${RUN}`, lrs, {
        training: { epochs: 40, checkpointEvery: 10 },
        execution: { pool: POOL, maxParallel: 1, heartbeatTimeoutSeconds: 5 },
      });
      return prepare(config, parseSpec(doc), "/");
    };
    const [a, b] = await Promise.all([make("a", [0.3, 0.4]), make("b", [0.3, 0.5])]);
    const sharedIds = expandTrials(a)
      .map((t) => t.trialId)
      .filter((id) => expandTrials(b).some((t) => t.trialId === id));
    expect(sharedIds).toHaveLength(2);
    // Neither forgets what the other is training: both start from nothing stored, together.
    for (const s of [a, b]) await retrainTrials(store, s);
    const ids = await Promise.all([
      startSweep(env.client, a, { reuse: true }),
      startSweep(env.client, b, { reuse: true }),
    ]);
    const results = await Promise.all(ids.map((id) => env.client.handle(id).result()));
    for (const r of results)
      expect(r.counts).toEqual({ completed: 4, diverged: 0, failed: 0, cancelled: 0 });
    const [sa, sb] = await Promise.all(ids.map((id) => readSummary(config, id)));
    // Each shared trial was trained by one sweep and reused by the other.
    expect(sa!.reused! + sb!.reused!).toBe(2);
    for (const id of sharedIds) {
      const stored = (await readTrial(store, id))!;
      expect(stored.status).toBe("completed");
      expect(stored.records.map((r) => r.epoch)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      expect(stored.attempts).toBe(1);
      expect(stored.resumedFromEpochs).toEqual([]);
      // Trained by one claim: two sweeps training it at once would supersede each other
      // (tokens climbing, attempts retried, resumes); the waiter claims at most once more,
      // should the result land between its last look and its claim, and then trains nothing.
      const owner = await store.getJson<OwnerRecord>(trialKeys(id).owner);
      expect(owner.token).toBeLessThanOrEqual(2);
      expect(owner.releasedAt).toBeDefined();
      expect(stored.fencingToken).toBe(1);
      expect(ids).toContain(stored.sweepId);
      const lineA = sa!.leaderboard.find((t) => t.trialId === id)!;
      const lineB = sb!.leaderboard.find((t) => t.trialId === id)!;
      expect(lineA.finalValMetric).toBe(lineB.finalValMetric);
      expect([lineA.reused, lineB.reused].sort()).toEqual([false, true]);
    }
  });

  it("a trial needing more epochs continues from a shorter trial's checkpoint", async () => {
    const make = (epochs: number) =>
      prepare(
        config,
        parseSpec(
          spec(`longer-${epochs}-${RUN}`, [0.02], {
            grid: { optimizer: ["sgd"], learningRate: [0.02], seed: [1] },
            training: { epochs, checkpointEvery: 2 },
          }),
        ),
        "/",
      );
    const short = await make(4);
    const shortId = await startSweep(env.client, short);
    await env.client.handle(shortId).result();
    const long = await make(7);
    // Kept: a retrain would (rightly) train it from epoch 0.
    const longId = await startSweep(env.client, long, { reuse: true });
    expect((await env.client.handle(longId).result()).counts.completed).toBe(1);
    const [s, l] = [expandTrials(short)[0]!.trialId, expandTrials(long)[0]!.trialId];
    expect(l).not.toBe(s);
    const shortTrial = (await readTrial(store, s))!;
    const longTrial = (await readTrial(store, l))!;
    expect(longTrial.resumedFromEpochs).toEqual([4]);
    expect(longTrial.records.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(longTrial.records.slice(0, 4).map((r) => r.valLoss)).toEqual(
      shortTrial.records.map((r) => r.valLoss),
    );
    // `run --retrain` trains it again from epoch 0, not from the shorter trial's checkpoint, to
    // the same curve.
    const againId = await startSweep(env.client, long);
    expect(againId).toBe(longId);
    expect((await env.client.handle(againId).result()).counts.completed).toBe(1);
    const retrained = (await readTrial(store, l))!;
    expect(retrained.resumedFromEpochs).toEqual([]);
    expect(retrained.fencingToken).toBeGreaterThan(longTrial.fencingToken!);
    expect(retrained.records.map((r) => r.valLoss)).toEqual(
      longTrial.records.map((r) => r.valLoss),
    );
  });
});
