import { UsageError } from "../errors";
import { expandTrials, type SweepSpec } from "../spec";
import type { SweepSummary } from "../storage/artifacts";
import { sweepKeys } from "../storage/keys";
import type { ArtifactStore } from "../storage/store";
import { buildSummary, summarizeTrial, trainingSeconds } from "../storage/summary";
import { readAllTrials } from "../storage/trials";

/**
 * A running sweep's leaderboard so far: its finished trials' artefacts ranked as the final
 * summary will rank them, `partial: true`, `total` the sweep's trial count. No summary is
 * written. A sweep with no spec in the bucket is a `UsageError`.
 * @example const s = await readPartialResults(store, id); console.log(s.leaderboard.length, s.total);
 */
export async function readPartialResults(
  store: ArtifactStore,
  sweepId: string,
): Promise<SweepSummary> {
  const keys = sweepKeys(sweepId);
  const spec = await store.tryGetJson<SweepSpec>(keys.spec);
  if (!spec) throw new UsageError(`no sweep with id ${sweepId} in bucket ${store.bucket}`);
  const mode = spec.dataset.task === "classification" ? "max" : "min";
  const all = await readAllTrials(store, sweepId);
  const lines = all.map((a) => summarizeTrial(a, mode));
  const startedAt = all.map((a) => a.finishedAt).sort()[0] ?? new Date().toISOString();
  const summary = buildSummary(
    {
      sweepId,
      name: spec.name,
      task: spec.dataset.task,
      objective: spec.objective,
      startedAt,
      finishedAt: new Date().toISOString(),
      artefacts: { spec: keys.spec, summary: keys.summary, leaderboard: keys.leaderboard },
    },
    lines,
    trainingSeconds(all),
  );
  return { ...summary, total: expandTrials(spec).length, partial: true };
}
