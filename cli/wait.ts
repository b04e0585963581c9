import { setTimeout as sleep } from "node:timers/promises";
import { progressLine } from "./format";
import type { SweepClient } from "./sweep-client";

/**
 * Follows a sweep until its workflow closes, drawing a progress bar on a terminal (a line
 * every 10 s otherwise). Throws if the sweep workflow itself failed.
 */
export async function waitForSweep(
  client: SweepClient,
  sweepId: string,
  opts: { progress: boolean; pollMs?: number },
): Promise<void> {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  for (;;) {
    const status = await client.status(sweepId).catch((error: Error) => {
      // A restarting server or a query during a continue-as-new: try again.
      if (/not found|unavailable|connect|deadline|closed/i.test(error.message)) return undefined;
      throw error;
    });
    if (status && status.state !== "running") {
      if (opts.progress && tty) process.stderr.write("\n");
      if (status.state === "completed") return;
      throw new Error(`sweep ${sweepId} ${status.state}: ${status.message}`);
    }
    if (status && opts.progress) {
      const line = progressLine(status.progress, (Date.now() - started) / 1000);
      if (tty) process.stderr.write(`\r${line}`);
      else if (Date.now() - lastLine > 10_000) {
        process.stderr.write(`${line}\n`);
        lastLine = Date.now();
      }
    }
    await sleep(opts.pollMs ?? 1000);
  }
}
