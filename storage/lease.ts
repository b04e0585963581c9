import { TransientError } from "../errors";
import { trialKeys } from "./keys";
import { type ArtifactStore, PreconditionFailedError } from "./store";

/**
 * Fencing of trial writes (zombie attempts).
 *
 * Temporal starts a new attempt once the old one missed its heartbeat timeout, but cannot stop
 * the old process: a frozen training process (SIGSTOP, a GC pause, a suspended VM, one epoch
 * longer than the timeout) wakes up later still believing it owns the trial. So every trial has
 * an ownership record, `…/trials/<trialId>/owner.json`, holding a fencing token that only ever
 * grows. Each attempt claims it at start with a conditional PUT (`If-None-Match: *` to create,
 * `If-Match: <etag>` to replace the version it read), so two claims can never both win, and the
 * newest attempt always takes it over. Before each checkpoint and before the final commit an
 * attempt checks the record still carries its claim; a superseded attempt gets
 * `AttemptSupersededError` and stops without writing. The final commit is itself conditional
 * (see `writeTrial`): it never replaces a finished result nor one written with a newer token,
 * which closes the gap between that check and the PUT. Whatever trains a trial (solo today;
 * packs and command trials later) gets the guarantee by writing through a lease.
 */

/** The Temporal activity attempt that holds (or wants) a trial. */
export interface LeaseHolder {
  workflowId: string;
  runId: string;
  activityId: string;
  attempt: number;
  worker: string;
}

/** `…/trials/<trialId>/owner.json`. */
export interface OwnerRecord {
  token: number;
  holder: LeaseHolder;
  claimedAt: string;
}

/**
 * A newer attempt owns the trial: this one must stop and leave the trial's objects alone.
 * Transient: should Temporal still count the attempt, a retry takes the trial over cleanly.
 */
export class AttemptSupersededError extends TransientError {}

function sameActivity(a: LeaseHolder, b: LeaseHolder): boolean {
  return a.workflowId === b.workflowId && a.runId === b.runId && a.activityId === b.activityId;
}

/** A claim on one trial: the fencing token every write of this attempt carries. */
export class TrialLease {
  readonly #store: ArtifactStore;
  readonly #etag: string;

  private constructor(
    store: ArtifactStore,
    readonly sweepId: string,
    readonly trialId: string,
    readonly token: number,
    readonly holder: LeaseHolder,
    etag: string,
  ) {
    this.#store = store;
    this.#etag = etag;
  }

  /**
   * Takes the trial over for `holder`: token = previous token + 1. Refused (superseded) when a
   * later attempt of the same activity already holds it. A claim whose PUT landed but whose
   * answer was lost finds its own record on the re-read and keeps it.
   */
  static async claim(
    store: ArtifactStore,
    sweepId: string,
    trialId: string,
    holder: LeaseHolder,
  ): Promise<TrialLease> {
    const key = trialKeys(sweepId, trialId).owner;
    for (;;) {
      const current = await store.tryGetVersionedJson<OwnerRecord>(key);
      const held = current?.value.holder;
      if (held && sameActivity(held, holder) && held.attempt > holder.attempt) {
        throw new AttemptSupersededError(
          `trial ${trialId}: attempt ${holder.attempt} superseded by attempt ${held.attempt}`,
        );
      }
      if (current && held && sameActivity(held, holder) && held.attempt === holder.attempt) {
        return new TrialLease(store, sweepId, trialId, current.value.token, held, current.etag);
      }
      const record: OwnerRecord = {
        token: (current?.value.token ?? 0) + 1,
        holder,
        claimedAt: new Date().toISOString(),
      };
      try {
        const etag = await store.putJson(
          key,
          record,
          current ? { ifMatch: current.etag } : { ifNoneMatch: "*" },
        );
        return new TrialLease(store, sweepId, trialId, record.token, holder, etag);
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
        // Another claim landed between our read and write: read again and decide again.
      }
    }
  }

  /** Throws AttemptSupersededError unless the ownership record is still this claim. */
  async check(): Promise<void> {
    const etag = await this.#store.etagOf(trialKeys(this.sweepId, this.trialId).owner);
    if (etag === this.#etag) return;
    const now = await this.#store.tryGetJson<OwnerRecord>(
      trialKeys(this.sweepId, this.trialId).owner,
    );
    throw new AttemptSupersededError(
      `trial ${this.trialId}: attempt ${this.holder.attempt} (token ${this.token}) superseded` +
        (now ? ` by attempt ${now.holder.attempt} (token ${now.token})` : ""),
    );
  }
}
