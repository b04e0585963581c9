import type { Command } from "commander";
import {
  prepareSpec,
  readLeaderboardCsv,
  readResults,
  resolveInputs,
  retrainTrials,
  type SweepStatus,
  validateData,
  validateModel,
} from "../../client";
import { readPartialResults } from "../../client/partial";
import type { HypersweepConfig } from "../../config";
import { UsageError } from "../../errors";
import { expandTrials, maxParallelProblem, type SweepSpec, sweepIdFor } from "../../spec";
import { loadSpecFile } from "../../spec/file";
import type { SweepSummary } from "../../storage/artifacts";
import { sweepKeys } from "../../storage/keys";
import { ArtifactStore } from "../../storage/store";
import { leaderboardCsv } from "../../storage/summary";
import { configFrom } from "../context";
import { EXIT_FAILED } from "../exit-codes";
import { leaderboardText, trialsText } from "../format";
import { print } from "../output";
import {
  bestText,
  finishedCount,
  LEGEND,
  runningLines,
  type SweepContext,
  stoppedMark,
} from "../progress-view";
import { contextOf, defaultMode, loadContext, waitForSweep } from "../wait";
import { lookupForBucket, withClient, withSweep } from "./lookup";

/** Starts (or re-attaches to) a sweep and, with `wait`, follows it to the end. */
async function startSweep(
  config: HypersweepConfig,
  spec: SweepSpec,
  opts: { wait: boolean; json: boolean; sweepId?: string; historyLimit?: number },
): Promise<{ sweepId: string; summary?: SweepSummary }> {
  return withClient(config, async (client) => {
    const { sweepId, started, warning } = await client.start(spec, {
      ...(opts.sweepId ? { sweepId: opts.sweepId } : {}),
      ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}),
    });
    if (warning) process.stderr.write(`${warning}\n`);
    if (!opts.json) {
      process.stderr.write(
        started
          ? `started sweep ${sweepId}\n`
          : `sweep ${sweepId} is already running; following it\n`,
      );
    }
    if (!opts.wait) return { sweepId };
    await waitForSweep(client, sweepId, {
      mode: defaultMode(opts.json),
      context: contextOf(spec),
      pool: spec.execution.pool,
    });
    return { sweepId, summary: await readResults(new ArtifactStore(config.s3), sweepId) };
  });
}

export interface RunFlags {
  wait?: boolean;
  json?: boolean;
  dryRun?: boolean;
  retrain?: boolean;
  historyLimit?: number;
}

export async function runCommand(file: string, flags: RunFlags, cmd: Command) {
  const { spec: raw, dir } = await loadSpecFile(file);
  const config = configFrom(cmd);
  if (flags.dryRun) {
    const resolved = await resolveInputs(raw, dir);
    const { spec } = resolved;
    // A local file is checked as a run checks it; a bucket dataset needs the stack, so not here.
    if (resolved.upload)
      await validateModel(resolved, await validateData(resolved, () => Promise.reject(noBucket())));
    const trials = expandTrials(spec);
    print(
      !!flags.json,
      { sweepId: sweepIdFor(spec), trials },
      () =>
        `sweep ${sweepIdFor(spec)}: ${trials.length} trials${searchNote(spec)}
${trialsText(trials)}`,
    );
    return;
  }
  const store = new ArtifactStore(config.s3);
  const prepared = await prepareSpec(store, raw, dir);
  if (flags.retrain) {
    const forgotten = await retrainTrials(store, prepared.spec);
    if (!flags.json)
      process.stderr.write(`--retrain: ${forgotten} stored trials will train again\n`);
  }
  const { sweepId, summary } = await startSweep(config, prepared.spec, {
    wait: !!flags.wait,
    json: !!flags.json,
    ...(flags.historyLimit ? { historyLimit: flags.historyLimit } : {}),
  });
  if (!summary) {
    print(!!flags.json, { sweepId }, () => sweepId);
    return;
  }
  print(!!flags.json, summary, () => leaderboardText(summary));
  if (summary.counts.failed > 0) process.exitCode = EXIT_FAILED;
}

function noBucket(): Error {
  return new UsageError(
    "--dry-run reads only local files; this dataset names another file in the bucket",
  );
}

/** How the trials were chosen, for the dry-run header. */
function searchNote(spec: SweepSpec): string {
  const search = spec.search;
  if (search?.method === "random") {
    return ` (random search: ${search.trials} sampled points x the grid lists, seed ${search.seed})`;
  }
  if (search?.method === "tpe") {
    const later = search.trials - Math.min(search.trials, search.startupTrials);
    return ` (tpe: the ${Math.min(search.trials, search.startupTrials)} random start-up points x the grid lists, seed ${search.seed}; ${later} more points are proposed from results while the sweep runs)`;
  }
  return "";
}

/** `set-parallel ID N`: N checked before connecting, so a bad value never reaches a sweep. */
function maxParallelArg(n: string): number {
  const value = n.trim() === "" ? Number.NaN : Number(n);
  const problem = maxParallelProblem(value);
  if (problem) throw new UsageError(`set-parallel: N ${problem} (got ${n})`);
  return value;
}

/** `status ID`. */
export async function statusCommand(ref: string, flags: { json?: boolean }, cmd: Command) {
  const config = configFrom(cmd);
  const { id, status } = await withSweep(config, ref, async (c, id) => ({
    id,
    status: await c.status(id),
  }));
  const store = new ArtifactStore(config.s3);
  const ctx =
    (status.state === "running" || status.state === "completed") && !flags.json
      ? await loadContext(store, id)
      : undefined;
  const failures =
    status.state === "completed" && status.result.counts.failed > 0
      ? await failedTrials(store, id)
      : [];
  print(!!flags.json, failures.length ? { ...status, failures } : status, () =>
    [statusText(id, status, ctx), ...failures.map(failureLine)].join("\n"),
  );
  // Like `run --wait`: a finished sweep with failed trials exits 1.
  if (failures.length) process.exitCode = EXIT_FAILED;
}

/** The failed trials of a finished sweep and their errors, from its summary. */
async function failedTrials(store: ArtifactStore, id: string) {
  const summary = await store
    .tryGetJson<SweepSummary>(sweepKeys(id).summary)
    .catch(() => undefined);
  return (summary?.leaderboard ?? [])
    .filter((t) => t.status === "failed")
    .map((t) => ({ trialId: t.trialId, params: t.params, error: t.error ?? "unknown error" }));
}

function failureLine(f: {
  trialId: string;
  params: SweepSummary["leaderboard"][number]["params"];
  error: string;
}) {
  const params = Object.entries(f.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const error = f.error.length > 600 ? `${f.error.slice(0, 597)}...` : f.error;
  return `  ✗ ${f.trialId} (${params}): ${error.replaceAll("\n", "\n      ")}`;
}

/** `pause|resume|cancel ID`. */
export async function controlCommand(
  what: "pause" | "resume" | "cancel",
  ref: string,
  cmd: Command,
) {
  const id = await withSweep(configFrom(cmd), ref, async (c, id) => {
    await c[what](id);
    return id;
  });
  process.stdout.write(`${what} sent to sweep ${id}\n`);
}

/** `set-parallel ID N`. */
export async function setParallelCommand(ref: string, n: string, cmd: Command) {
  const value = maxParallelArg(n);
  const id = await withSweep(configFrom(cmd), ref, async (c, id) => {
    await c.setMaxParallel(id, value);
    return id;
  });
  process.stdout.write(`maxParallel of ${id} set to ${n}\n`);
}

/** `retry ID`: the stored spec of a finished sweep, started again under its id. */
export async function retryCommand(
  ref: string,
  flags: { wait?: boolean; json?: boolean },
  cmd: Command,
) {
  const config = configFrom(cmd);
  const { sweepId: id } = await lookupForBucket(config, ref);
  const store = new ArtifactStore(config.s3);
  const spec = await store.tryGetJson<SweepSpec>(sweepKeys(id).spec);
  if (!spec) throw new UsageError(`no sweep with id ${id} in bucket ${config.s3.bucket}`);
  const { summary } = await startSweep(config, spec, {
    wait: !!flags.wait,
    json: !!flags.json,
    sweepId: id,
  });
  if (summary) {
    print(!!flags.json, summary, () => leaderboardText(summary));
    if (summary.counts.failed > 0) process.exitCode = EXIT_FAILED;
  } else print(!!flags.json, { sweepId: id }, () => id);
}

/** `results ID --format table|json|csv`. */
export async function resultsCommand(ref: string, flags: { format: string }, cmd: Command) {
  const config = configFrom(cmd);
  const store = new ArtifactStore(config.s3);
  const { sweepId: id, running } = await lookupForBucket(config, ref);
  if (running) {
    // Finished trials so far; the final CSV does not exist yet, so every format is built here.
    const partial = await readPartialResults(store, id);
    if (flags.format === "csv") process.stdout.write(leaderboardCsv(partial));
    else print(flags.format === "json", partial, () => leaderboardText(partial, 1000));
    return;
  }
  if (flags.format === "csv") {
    process.stdout.write(await readLeaderboardCsv(store, id));
    return;
  }
  if (flags.format !== "json" && flags.format !== "table") {
    throw new UsageError(`--format: must be json, csv or table (got ${flags.format})`);
  }
  const summary = await readResults(store, id);
  print(flags.format === "json", summary, () => leaderboardText(summary, 1000));
}

function statusText(id: string, status: SweepStatus, ctx?: SweepContext): string {
  if (status.state === "completed") {
    const r = status.result;
    const best = bestText(r.best, ctx);
    return `${id}: completed — ${r.counts.completed} completed, ${r.counts.diverged} diverged, ${r.counts.failed} failed, ${r.counts.cancelled} cancelled${r.counts.stopped ? `, ${r.counts.stopped} stopped early` : ""} (${r.reused} reused)${r.budgetStop ? `; stopped scheduling: budget.${r.budgetStop.budget} (${r.budgetStop.limit}) reached` : ""}${best ? `; ${best}` : ""}`;
  }
  if (status.state !== "running") return `${id}: ${status.state} — ${status.message}`;
  const p = status.progress;
  const state = p.paused ? "paused" : p.cancelled ? "cancelling" : "running";
  const done = finishedCount(p.counts);
  const best = bestText(p.best, ctx);
  const queued = status.trials.filter((t) => t.queued).length;
  const waiting = queued > 0 ? `, ${queued} queued (no worker has picked them up)` : "";
  return [
    `${id}: ${state} — ${done}/${p.total} done (✓${p.counts.completed} ↯${p.counts.diverged} ✗${p.counts.failed} ⊘${p.counts.cancelled}${stoppedMark(p.counts)}), ${p.running.length - queued} running${waiting}`,
    ...runningLines(status.trials, ctx),
    ...(best ? [`  ${best}`] : []),
    `  ${LEGEND}`,
  ].join("\n");
}
