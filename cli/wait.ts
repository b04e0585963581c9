import type { SweepClient } from "../client";
import type { SweepResult } from "../workflows/definitions";
import { progressLine } from "./format";

/**
 * Follows a sweep until its workflow closes, drawing a progress bar on a terminal (a line
 * every 10 s otherwise). Throws if the sweep workflow itself failed.
 */
export async function waitForSweep(
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
      const line = progressLine(event.progress, event.elapsedSeconds);
      if (tty) process.stderr.write(`\r${line}`);
      else if (Date.now() - lastLine > 10_000) {
        process.stderr.write(`${line}\n`);
        lastLine = Date.now();
      }
    },
  });
}
