import { setTimeout as sleep } from "node:timers/promises";
import type { SweepClient, SweepEvent } from "../client";
import { expandTrials, type SweepSpec } from "../spec";
import { sweepKeys } from "../storage/keys";
import type { ArtifactStore } from "../storage/store";
import type { SweepResult } from "../workflows/definitions";
import { poolTaskQueue } from "../workflows/definitions";
import { progressLine } from "./format";
import { bestText, LEGEND, runningLines, type SweepContext } from "./progress-view";

/** How progress is shown: redrawn block, a line per change, or one JSON object per line. */
export type ProgressMode = "tty" | "plain" | "json" | "none";

/** What a spec's trials are (names, params, epochs), for progress lines. */
export function contextOf(spec: SweepSpec): SweepContext {
  return {
    task: spec.dataset.task,
    metric: spec.objective.metric,
    epochs: spec.training.epochs,
    params: new Map(expandTrials(spec).map((t) => [t.trialId, t.params])),
  };
}

/** The stored spec's context; undefined when the bucket has none yet (lines then name ids only). */
export async function loadContext(
  store: ArtifactStore,
  sweepId: string,
): Promise<SweepContext | undefined> {
  const spec = await store.tryGetJson<SweepSpec>(sweepKeys(sweepId).spec).catch(() => undefined);
  return spec ? contextOf(spec) : undefined;
}

/** The lines of the live view for one progress event (bar, running trials, best, legend). */
export function viewLines(event: SweepEvent, ctx?: SweepContext): string[] {
  if (event.type !== "progress") return [];
  const running = { trials: event.trials, epochs: ctx?.epochs ?? 0 };
  const best = bestText(event.progress.best, ctx);
  return [
    progressLine(event.progress, event.elapsedSeconds, 30, running),
    ...runningLines(event.trials, ctx),
    ...(best ? [`  ${best}`] : []),
    `  ${LEGEND}`,
  ];
}

/** A line-per-event renderer: prints when counts, best or a running trial's epoch change. */
export function plainRenderer(write: (s: string) => void, ctx?: SweepContext) {
  let last = "";
  return (event: SweepEvent) => {
    if (event.type !== "progress") return;
    const key = JSON.stringify([event.progress.counts, event.progress.best?.trialId, event.trials]);
    if (key === last) return;
    last = key;
    const best = bestText(event.progress.best, ctx);
    const running = { trials: event.trials, epochs: ctx?.epochs ?? 0 };
    write(
      `${progressLine(event.progress, event.elapsedSeconds, 20, running)}${best ? `  ${best}` : ""}\n`,
    );
  };
}

/** Redraws the block in place (cursor up over the previous block). */
function ttyRenderer(out: NodeJS.WriteStream, ctx?: SweepContext) {
  let height = 0;
  return (event: SweepEvent) => {
    const lines = viewLines(event, ctx);
    if (lines.length === 0) return;
    const width = out.columns ?? 0;
    const clip = (l: string) => (width > 1 && l.length >= width ? `${l.slice(0, width - 2)}…` : l);
    const up = height > 0 ? `\x1b[${height}F` : "";
    out.write(`${up}${lines.map((l) => `\x1b[2K${clip(l)}\n`).join("")}\x1b[J`);
    height = lines.length;
  };
}

/** One JSON object per line: `{type:"progress", ...}` per poll, then `{type:"finished", ...}`. */
export function jsonRenderer(write: (s: string) => void) {
  return (event: SweepEvent) => write(`${JSON.stringify(event)}\n`);
}

/** Terminal → redrawn view; otherwise a plain line per change. */
export function defaultMode(json: boolean): ProgressMode {
  if (json) return "json";
  return process.stderr.isTTY ? "tty" : "plain";
}

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
 * Follows a sweep until its workflow closes, showing progress on stderr in `mode`, and warns
 * while no worker polls the sweep's `pool`. Throws if the sweep workflow itself failed.
 */
export async function waitForSweep(
  client: SweepClient,
  sweepId: string,
  opts: { mode: ProgressMode; context?: SweepContext; pollMs?: number; pool?: string },
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
  opts: { mode: ProgressMode; context?: SweepContext; pollMs?: number },
): Promise<SweepResult> {
  const write = (s: string) => void process.stderr.write(s);
  const render = {
    tty: () => ttyRenderer(process.stderr, opts.context),
    plain: () => plainRenderer(write, opts.context),
    json: () => jsonRenderer(write),
    none: () => () => undefined,
  }[opts.mode]();
  return client.wait(sweepId, {
    ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
    onEvent: render,
  });
}
