import { setTimeout as sleep } from "node:timers/promises";
import type { SweepClient } from "../client";
import type { SweepResult } from "../workflows/definitions";
import { poolTaskQueue } from "../workflows/definitions";
import { progressLine } from "./format";

const POLLER_CHECK_MS = 5_000;

/**
 * Says on stderr, within seconds, when no worker polls `pool` (its trials would sit queued
 * forever, silently), and again once one does. Stops with `stop`.
 */
async function watchPollers(client: SweepClient, pool: string, stop: AbortSignal): Promise<void> {
  let warned = false;
  while (!stop.aborted) {
    const pollers = await client.pollers(pool).catch(() => undefined);
    if (pollers === 0 && !warned) {
      warned = true;
      process.stderr.write(
        `\nhypersweep: no worker polls pool "${pool}" (task queue ${poolTaskQueue(pool)}): its trials stay queued until one starts: hypersweep worker --pool ${pool}\n`,
      );
    } else if (pollers !== undefined && pollers > 0 && warned) {
      warned = false;
      process.stderr.write(`\nhypersweep: a worker now polls pool "${pool}"\n`);
    }
    await sleep(POLLER_CHECK_MS, undefined, { signal: stop }).catch(() => undefined);
  }
}

/**
 * Follows a sweep until its workflow closes, drawing a progress bar on a terminal (a line
 * every 10 s otherwise), and warns while no worker polls the sweep's `pool`. Throws if the
 * sweep workflow itself failed.
 */
export async function waitForSweep(
  client: SweepClient,
  sweepId: string,
  opts: { progress: boolean; pollMs?: number; pool?: string },
): Promise<SweepResult> {
  const stop = new AbortController();
  const pollers = opts.pool ? watchPollers(client, opts.pool, stop.signal) : Promise.resolve();
  try {
    return await follow(client, sweepId, opts);
  } finally {
    stop.abort();
    await pollers;
  }
}

function follow(
  client: SweepClient,
  sweepId: string,
  opts: { progress: boolean; pollMs?: number },
): Promise<SweepResult> {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  return client.wait(sweepId, {
    ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
    onEvent: (event) => {
      if (!opts.progress) return;
      if (event.type === "finished") {
        if (tty) process.stderr.write("\n");
        return;
      }
      const queued = event.trials.filter((t) => t.queued).length;
      const line = progressLine(event.progress, event.elapsedSeconds, 30, queued);
      if (tty) process.stderr.write(`\r${line}`);
      else if (Date.now() - lastLine > 10_000) {
        process.stderr.write(`${line}\n`);
        lastLine = Date.now();
      }
    },
  });
}
