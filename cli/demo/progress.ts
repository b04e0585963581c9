import { setTimeout as sleep } from "node:timers/promises";
import type { SweepClient, SweepStatus } from "../../client";
import type { SweepProgress, SweepResult } from "../../workflows/definitions";
import { progressLine } from "../format";
import { finishedCount } from "../progress-view";

type Out = NodeJS.WriteStream;

function fitWidth(out: Out, line: string): string {
  const width = out.columns ?? 0;
  return width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line;
}

/**
 * Shows `stack up` progress: on a terminal an unfinished step ("…") ticks its elapsed seconds
 * in place, so a first-time MinIO build (minutes) visibly moves; elsewhere plain lines.
 */
export function stepReporter(out: Out): { onProgress: (line: string) => void; end: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const clear = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    onProgress(line) {
      if (!out.isTTY) return void out.write(`  ${line}\n`);
      clear();
      out.write(`\r\x1b[2K  ${line.trimStart()}`);
      if (!line.endsWith("…")) return void out.write("\n");
      const started = Date.now();
      timer = setInterval(() => {
        const seconds = Math.round((Date.now() - started) / 1000);
        out.write(`\r\x1b[2K  ${fitWidth(out, `${line.trimStart()} ${seconds} s`)}`);
      }, 1000);
    },
    end() {
      if (timer) out.write("\n");
      clear();
    },
  };
}

/** Counts and total of one sweep, whatever state it is in. */
function countsOf(status: SweepStatus | undefined): Pick<SweepProgress, "counts" | "total"> & {
  running: string[];
} {
  if (status?.state === "running") return status.progress;
  if (status?.state === "completed") return { ...status.result, running: [] };
  const zero = { completed: 0, diverged: 0, failed: 0, cancelled: 0 };
  return { counts: zero, total: 0, running: [] };
}

/** One bar over all the sweeps, then each sweep's done/total. */
export function aggregateLine(
  names: string[],
  statuses: (SweepStatus | undefined)[],
  elapsedSeconds: number,
): string {
  const parts = statuses.map(countsOf);
  const sum = (f: (p: (typeof parts)[number]) => number) => parts.reduce((n, p) => n + f(p), 0);
  const all: SweepProgress = {
    sweepId: "demo",
    total: sum((p) => p.total),
    started: 0,
    counts: {
      completed: sum((p) => p.counts.completed),
      diverged: sum((p) => p.counts.diverged),
      failed: sum((p) => p.counts.failed),
      cancelled: sum((p) => p.counts.cancelled),
      stopped: sum((p) => p.counts.stopped ?? 0),
    },
    reused: 0,
    running: parts.flatMap((p) => p.running),
    paused: false,
    cancelled: false,
    maxParallel: 0,
    runs: 1,
    historyLength: 0,
  };
  const each = parts.map((p, i) => {
    const done = finishedCount(p.counts);
    return `${names[i]} ${done}/${p.total || "?"}`;
  });
  return `${progressLine(all, elapsedSeconds, 24)}  [${each.join(" · ")}]`;
}

async function statusOrUndefined(client: SweepClient, id: string) {
  // A query during a continue-as-new or a server restart: just ask again next time.
  return client.status(id).catch((error: Error) => {
    if (/not found|unavailable|connect|deadline|closed/i.test(error.message)) return undefined;
    throw error;
  });
}

/**
 * Polls the sweeps until every workflow has closed, drawing one aggregate progress bar.
 * Throws if a sweep workflow itself failed, or once `stop` is aborted (Ctrl-C).
 */
export async function followSweeps(
  client: SweepClient,
  sweeps: { sweepId: string; name: string }[],
  opts: { out: Out; stop: AbortSignal },
): Promise<SweepResult[]> {
  const started = Date.now();
  let lastLine = 0;
  for (;;) {
    if (opts.stop.aborted) throw new Error("interrupted");
    const statuses = await Promise.all(sweeps.map((s) => statusOrUndefined(client, s.sweepId)));
    const line = aggregateLine(
      sweeps.map((s) => s.name),
      statuses,
      (Date.now() - started) / 1000,
    );
    const finished = statuses.every((s) => s !== undefined && s.state !== "running");
    if (opts.out.isTTY)
      opts.out.write(`\r\x1b[2K${fitWidth(opts.out, line)}${finished ? "\n" : ""}`);
    else if (finished || Date.now() - lastLine > 10_000) {
      opts.out.write(`${line}\n`);
      lastLine = Date.now();
    }
    if (finished) {
      return statuses.map((s, i) => {
        if (s?.state === "completed") return s.result;
        const why = s && "message" in s ? s.message : "unknown";
        throw new Error(`sweep ${sweeps[i]?.sweepId} ${s?.state}: ${why}`);
      });
    }
    await sleep(1000, undefined, { signal: opts.stop }).catch(() => undefined);
  }
}
