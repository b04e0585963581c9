import { TransientError } from "../errors";
import { trialKeys } from "./keys";
import { type ArtifactStore, PreconditionFailedError } from "./store";

/**
 * Fencing of trial writes (zombie attempts).
 *
 * Temporal starts a new attempt once the old one missed its heartbeat timeout, but cannot stop
 * the old process: a frozen training process (SIGSTOP, a GC pause, a suspended VM, one epoch
 * longer than the timeout) wakes up later still believing it owns the trial. So every trial has
 * an ownership record, `trials/<trialId>/owner.json`, holding a fencing token that only ever
 * grows. Each attempt claims it at start with a conditional PUT (`If-None-Match: *` to create,
 * `If-Match: <etag>` to replace the version it read), so two claims can never both win, and the
 * newest attempt always takes it over. Before each checkpoint and before the final commit an
 * attempt checks the record still carries its claim; a superseded attempt gets
 * `AttemptSupersededError` and stops without writing. The final commit is itself conditional
 * (see `writeTrial`): it never replaces a finished result nor one written with a newer token,
 * which closes the gap between that check and the PUT. Whatever trains a trial (solo today;
 * packs and command trials later) gets the guarantee by writing through a lease.
 *
 * Trials are shared by every sweep that has them (storage/keys.ts), so two sweeps may want the
 * same trial at once. Only a retry of the same activity takes a claim over unconditionally
 * (Temporal has given up on the older attempt). Another activity (another sweep, or another run
 * of this one) takes it only once the claim is released (its holder finished or gave up) or
 * expired (not renewed for `ttlSeconds`: its process died); otherwise `claim` throws
 * `TrialBusyError` and the caller waits for the trial to finish (and reuses it) or the claim
 * to end. The holder renews its claim every third of the TTL (`startRenewing`).
 */

/** The Temporal activity attempt that holds (or wants) a trial. */
export interface LeaseHolder {
  workflowId: string;
  runId: string;
  activityId: string;
  attempt: number;
  worker: string;
}

/** `trials/<trialId>/owner.json`. */
export interface OwnerRecord {
  token: number;
  holder: LeaseHolder;
  claimedAt: string;
  /** When the holder last said it is alive; with `ttlSeconds`, when the claim expires. */
  renewedAt?: string;
  ttlSeconds?: number;
  /** Set when the holder let the trial go (finished it, or stopped); anyone may claim it. */
  releasedAt?: string;
}

/**
 * A newer attempt owns the trial: this one must stop and leave the trial's objects alone.
 * Transient: should Temporal still count the attempt, a retry takes the trial over cleanly.
 */
export class AttemptSupersededError extends TransientError {}

/** Another activity (another sweep) holds a live claim on the trial: wait, then look again. */
export class TrialBusyError extends TransientError {
  constructor(
    readonly trialId: string,
    readonly holder: LeaseHolder,
  ) {
    super(
      `trial ${trialId} is being trained by ${holder.workflowId} (activity ${holder.activityId}, attempt ${holder.attempt})`,
    );
  }
}

/** Default claim lifetime without renewal: a few heartbeat timeouts. */
export const DEFAULT_LEASE_TTL_SECONDS = 90;

function sameActivity(a: LeaseHolder, b: LeaseHolder): boolean {
  return a.workflowId === b.workflowId && a.runId === b.runId && a.activityId === b.activityId;
}

/** Whether a claim still binds other activities: not released and renewed within its TTL. */
export function isLive(record: OwnerRecord, now = Date.now()): boolean {
  if (record.releasedAt !== undefined || record.ttlSeconds === undefined) return false;
  const renewed = Date.parse(record.renewedAt ?? record.claimedAt);
  return Number.isFinite(renewed) && now - renewed < record.ttlSeconds * 1000;
}

/** A claim on one trial: the fencing token every write of this attempt carries. */
export class TrialLease {
  readonly #store: ArtifactStore;
  #etag: string;
  #record: OwnerRecord;
  /** Renewals and checks one at a time, so a check never sees our own renewal as a takeover. */
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #lost: AttemptSupersededError | undefined;

  private constructor(
    store: ArtifactStore,
    readonly trialId: string,
    record: OwnerRecord,
    etag: string,
  ) {
    this.#store = store;
    this.#record = record;
    this.#etag = etag;
  }

  get token(): number {
    return this.#record.token;
  }

  get holder(): LeaseHolder {
    return this.#record.holder;
  }

  /**
   * Takes the trial for `holder`: token = previous token + 1. Refused (superseded) when a later
   * attempt of the same activity already holds it, and (`TrialBusyError`) when another
   * activity's claim is live. A claim whose PUT landed but whose answer was lost finds its own
   * record on the re-read and keeps it.
   */
  static async claim(
    store: ArtifactStore,
    trialId: string,
    holder: LeaseHolder,
    opts: { ttlSeconds?: number } = {},
  ): Promise<TrialLease> {
    const key = trialKeys(trialId).owner;
    const ttlSeconds = opts.ttlSeconds ?? DEFAULT_LEASE_TTL_SECONDS;
    for (;;) {
      const current = await store.tryGetVersionedJson<OwnerRecord>(key);
      const held = current?.value.holder;
      const mine = held !== undefined && sameActivity(held, holder);
      if (mine && held.attempt > holder.attempt) {
        throw new AttemptSupersededError(
          `trial ${trialId}: attempt ${holder.attempt} superseded by attempt ${held.attempt}`,
        );
      }
      if (current && mine && held.attempt === holder.attempt && !current.value.releasedAt) {
        return new TrialLease(store, trialId, current.value, current.etag);
      }
      if (current && held && !mine && isLive(current.value)) {
        throw new TrialBusyError(trialId, held);
      }
      const now = new Date().toISOString();
      const record: OwnerRecord = {
        token: (current?.value.token ?? 0) + 1,
        holder,
        claimedAt: now,
        renewedAt: now,
        ttlSeconds,
      };
      try {
        const etag = await store.putJson(
          key,
          record,
          current ? { ifMatch: current.etag } : { ifNoneMatch: "*" },
        );
        return new TrialLease(store, trialId, record, etag);
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
        // Another claim landed between our read and write: read again and decide again.
      }
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #superseded(now: OwnerRecord | undefined): AttemptSupersededError {
    return new AttemptSupersededError(
      `trial ${this.trialId}: attempt ${this.holder.attempt} (token ${this.token}) superseded` +
        (now ? ` by attempt ${now.holder.attempt} (token ${now.token})` : ""),
    );
  }

  /** Throws AttemptSupersededError unless the ownership record is still this claim. */
  check(): Promise<void> {
    return this.#serial(async () => {
      if (this.#lost) throw this.#lost;
      const etag = await this.#store.etagOf(trialKeys(this.trialId).owner);
      if (etag === this.#etag) return;
      const now = await this.#store.tryGetJson<OwnerRecord>(trialKeys(this.trialId).owner);
      throw this.#superseded(now);
    });
  }

  /** Says the holder is alive (a conditional PUT on our own version); false once superseded. */
  renew(): Promise<boolean> {
    return this.#replace({ renewedAt: new Date().toISOString() });
  }

  /** Lets the trial go: any sweep may claim it at once. Best effort; false once superseded. */
  async release(): Promise<boolean> {
    this.stopRenewing();
    return this.#replace({ releasedAt: new Date().toISOString() });
  }

  #replace(change: Partial<OwnerRecord>): Promise<boolean> {
    return this.#serial(async () => {
      if (this.#lost) return false;
      const record = { ...this.#record, ...change };
      try {
        this.#etag = await this.#store.putJson(trialKeys(this.trialId).owner, record, {
          ifMatch: this.#etag,
        });
        this.#record = record;
        return true;
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
        this.#lost = this.#superseded(
          await this.#store.tryGetJson<OwnerRecord>(trialKeys(this.trialId).owner),
        );
        return false;
      }
    });
  }

  /** Renews every third of the TTL until `stopRenewing` (or `release`); errors wait for the next. */
  startRenewing(): void {
    if (this.#timer) return;
    const every = ((this.#record.ttlSeconds ?? DEFAULT_LEASE_TTL_SECONDS) * 1000) / 3;
    this.#timer = setInterval(() => {
      this.renew().catch(() => undefined);
    }, every);
    this.#timer.unref();
  }

  stopRenewing(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
