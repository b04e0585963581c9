import { setTimeout as sleep } from "node:timers/promises";
import type { SweepProgress, SweepResult } from "../workflows/definitions";
import type { RunningTrial } from "./status";
import type { SweepClient } from "./sweep-client";

/** What following a sweep reports: its progress at each poll, then its result. */
export type SweepEvent =
  | {
      type: "progress";
      sweepId: string;
      progress: SweepProgress;
      trials: RunningTrial[];
      elapsedSeconds: number;
    }
  | { type: "finished"; sweepId: string; result: SweepResult; elapsedSeconds: number };

export interface WatchOptions {
  /** Time between polls (default 1 s). */
  pollMs?: number;
  /** Stops following (the sweep itself keeps running). */
  signal?: AbortSignal;
}

/**
 * Polls a sweep until its workflow closes: yields `progress` while it runs, then `finished`.
 * A restarting server, or a query during a continue-as-new, is polled again; a failed,
 * terminated or timed-out sweep throws.
 *
 * @example
 * for await (const event of watchSweep(sweeps, id)) console.log(event.type);
 */
export async function* watchSweep(
  client: SweepClient,
  sweepId: string,
  opts: WatchOptions = {},
): AsyncGenerator<SweepEvent> {
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  while (!opts.signal?.aborted) {
    const status = await client.status(sweepId).catch((error: Error) => {
      if (/not found|unavailable|connect|deadline|closed/i.test(error.message)) return undefined;
      throw error;
    });
    if (status?.state === "completed") {
      yield { type: "finished", sweepId, result: status.result, elapsedSeconds: elapsed() };
      return;
    }
    if (status && status.state !== "running") {
      throw new Error(`sweep ${sweepId} ${status.state}: ${status.message}`);
    }
    if (status) {
      const { progress, trials } = status;
      yield { type: "progress", sweepId, progress, trials, elapsedSeconds: elapsed() };
    }
    await sleep(opts.pollMs ?? 1000, undefined, opts.signal ? { signal: opts.signal } : {}).catch(
      () => undefined,
    );
  }
}
