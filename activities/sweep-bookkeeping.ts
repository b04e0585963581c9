import { expandTrials } from "../spec";
import type { TrialSpec } from "../spec/types";
import type { TrialArtifact, TrialSummary } from "../storage/artifacts";
import { sweepKeys } from "../storage/keys";
import type { ArtifactStore } from "../storage/store";
import { buildSummary, leaderboardCsv, summarizeTrial, trainingSeconds } from "../storage/summary";
import {
  latestCheckpoint,
  linkTrial,
  readAllTrials,
  readTrial,
  writeTrial,
} from "../storage/trials";
import { decodeCheckpoint } from "../training";
import type {
  PoolWorkersInput,
  RecordFailureInput,
  SummarizeInput,
} from "../workflows/definitions";
import type { PoolWorker } from "../workflows/pack-plan";

export interface SweepActivityDeps {
  store: ArtifactStore;
  /** The live training processes of every pool (the worker registry). */
  liveWorkers?: () => Promise<(PoolWorker & { pool: string })[]>;
}

/** Factory for the light activities on the sweep task queue. */
export function createSweepActivities(deps: SweepActivityDeps) {
  const { store } = deps;
  return {
    /** The backends and devices the pool's live workers train on (`execution.pack: auto`). */
    async poolWorkers(input: PoolWorkersInput): Promise<PoolWorker[]> {
      const live = (await deps.liveWorkers?.()) ?? [];
      return live
        .filter((w) => w.pool === input.pool)
        .map(({ backend, devices }) => ({ backend, devices }));
    },

    /** Writes `spec.json` (idempotent: same key, same content). */
    async writeSweepSpec(input: { sweepId: string; spec: unknown }): Promise<string> {
      const key = sweepKeys(input.sweepId).spec;
      await store.putJson(key, input.spec);
      return key;
    },

    /**
     * Records a trial that exhausted its retries (or failed non-retryably) as `failed`, with the
     * last error, the attempts it made and whatever epochs its newest checkpoint holds. Never
     * overwrites a finished trial.
     */
    async recordFailedTrial(input: RecordFailureInput): Promise<void> {
      await linkTrial(store, input.sweepId, input.trial);
      const existing = await readTrial(store, input.trial.trialId);
      if (existing && existing.status !== "failed" && existing.status !== "cancelled") return;
      const artifact: TrialArtifact = {
        sweepId: input.sweepId,
        trialId: input.trial.trialId,
        params: input.trial.params,
        config: input.trial.config,
        status: "failed",
        records: await partialRecords(store, input.trial.trialId),
        attempts: input.attempts,
        resumedFromEpochs: existing?.resumedFromEpochs ?? [],
        backend: existing?.backend ?? "unknown",
        durationSeconds: 0,
        finishedAt: new Date().toISOString(),
        error: input.error,
      };
      await writeTrial(store, artifact);
    },

    /**
     * Writes `summary.json` and `leaderboard.csv` from the trials' artefacts and returns the
     * sweep's artefact keys. Trials with no artefact (never started because the sweep was
     * cancelled) are listed as `cancelled`.
     */
    async summarizeSweep(
      input: SummarizeInput,
    ): Promise<{ spec: string; summary: string; leaderboard: string }> {
      const keys = sweepKeys(input.sweepId);
      const mode = input.spec.dataset.task === "classification" ? "max" : "min";
      // The trials this sweep has (linked by its activities), wherever they were trained.
      const all = await readAllTrials(store, input.sweepId);
      const artefacts = new Map(all.map((a) => [a.trialId, a]));
      const runStart = Date.parse(input.startedAt);
      const lines: TrialSummary[] = sweepTrials(input, all).map((trial) => {
        const a = artefacts.get(trial.trialId);
        // Committed by another sweep, or before this run began: this run reused it.
        const reused = (x: TrialArtifact) =>
          x.sweepId !== input.sweepId || Date.parse(x.finishedAt) < runStart;
        if (a) return { ...summarizeTrial(a, mode), reused: reused(a) };
        return {
          trialId: trial.trialId,
          params: trial.params,
          status: "cancelled",
          epochs: 0,
          attempts: 0,
          resumes: 0,
        };
      });
      const summary = buildSummary(
        {
          sweepId: input.sweepId,
          name: input.spec.name,
          task: input.spec.dataset.task,
          objective: input.spec.objective,
          startedAt: input.startedAt,
          finishedAt: input.finishedAt,
          artefacts: { spec: keys.spec, summary: keys.summary, leaderboard: keys.leaderboard },
          ...(input.budgetStop ? { budgetStop: input.budgetStop } : {}),
        },
        lines,
        trainingSeconds(all),
      );
      await store.putBytes(keys.leaderboard, leaderboardCsv(summary), "text/csv");
      await store.putJson(keys.summary, summary);
      return { spec: keys.spec, summary: keys.summary, leaderboard: keys.leaderboard };
    },
  };
}

/**
 * The sweep's trials in order: the expansion (only its first `started` after a budget stop);
 * for TPE, the expansion's start-up trials then every other trial artefact of the sweep (the
 * proposals), by finishing time.
 */
function sweepTrials(
  input: SummarizeInput,
  all: TrialArtifact[],
): Array<Pick<TrialSpec, "trialId" | "params">> {
  const expanded: Array<Pick<TrialSpec, "trialId" | "params">> = expandTrials(input.spec);
  if (!input.sampled) return expanded.slice(0, input.started ?? expanded.length);
  const known = new Set(expanded.map((t) => t.trialId));
  const proposed = all
    .filter((a) => !known.has(a.trialId))
    .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.trialId.localeCompare(b.trialId));
  const started = input.started ?? Number.POSITIVE_INFINITY;
  return [...expanded, ...proposed].slice(0, started);
}

async function partialRecords(store: ArtifactStore, trialId: string) {
  const checkpoint = await latestCheckpoint(store, trialId);
  if (!checkpoint) return [];
  try {
    return decodeCheckpoint(checkpoint.bytes).records;
  } catch {
    return [];
  }
}
