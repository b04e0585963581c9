/**
 * Activity ids of a sweep's training activities: `<kind>-<key>` (`trial-t-7923ca6e0d8e0dd8`),
 * so Temporal's Web UI, `describe` and the history name the trial instead of a sequence number.
 * An id repeated within one workflow run (the same key scheduled again) gets `#2`, `#3`, … so ids
 * stay unique per run; a continue-as-new starts a fresh run, so ids restart there.
 */

/**
 * Kinds of keyed activities: one trial, a pack of trials, one rung of a trial (an early-stopping
 * segment: key `<trialId>-r<untilEpoch>`, its stop `<trialId>-r<epoch>-stop`).
 */
export type ActivityKind = "trial" | "pack" | "rung";

/** Hands out deterministic, per-run unique activity ids (workflow-local state, replay-safe). */
export class ActivityIds {
  readonly #seen = new Map<string, number>();

  /** `next("trial", "t-1a2b")` → `trial-t-1a2b`, then `trial-t-1a2b#2` if asked again. */
  next(kind: ActivityKind, key: string): string {
    const base = `${kind}-${key}`;
    const n = (this.#seen.get(base) ?? 0) + 1;
    this.#seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  }
}

/**
 * The trial id a `trial-…` or `rung-…` activity id names (undefined for other ids, e.g. legacy
 * `1`, `2`, or a pack's).
 */
export function trialIdOfActivity(activityId: string | null | undefined): string | undefined {
  const match = /^(?:trial-(t-[0-9a-f]+)|rung-(t-[0-9a-f]+)-r\d+(?:-stop)?)(?:#\d+)?$/.exec(
    activityId ?? "",
  );
  return match?.[1] ?? match?.[2];
}
