import { UsageError } from "../errors";
import type { SweepSummary } from "../storage/artifacts";
import { sweepKeys } from "../storage/keys";
import { type ArtifactStore, ObjectNotFoundError } from "../storage/store";

async function orNoResults<T>(sweepId: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ObjectNotFoundError) {
      throw new UsageError(`sweep ${sweepId} has no results yet (not finished, or no such sweep)`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * A finished sweep's summary: counts, the leaderboard (best first) and its artefacts' keys.
 * A sweep without one (unknown, or not finished) is a `UsageError`.
 *
 * @example
 * const { leaderboard } = await readResults(new ArtifactStore(config.s3), "momentum-1a2b3c4d");
 */
export function readResults(store: ArtifactStore, sweepId: string): Promise<SweepSummary> {
  return orNoResults(sweepId, () => store.getJson<SweepSummary>(sweepKeys(sweepId).summary));
}

/**
 * The leaderboard as the CSV stored next to the summary (a header, then one row per trial).
 * @example process.stdout.write(await readLeaderboardCsv(store, id));
 */
export function readLeaderboardCsv(store: ArtifactStore, sweepId: string): Promise<string> {
  return orNoResults(sweepId, () => store.getText(sweepKeys(sweepId).leaderboard));
}
