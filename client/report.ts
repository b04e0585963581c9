import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UsageError } from "../errors";
import { buildReport, ReportInputError } from "../report";
import type { SweepSummary } from "../storage/artifacts";
import { sweepKeys } from "../storage/keys";
import type { ArtifactStore } from "../storage/store";
import { readAllTrials } from "../storage/trials";
import { readPartialResults } from "./partial";

/** Where a report went: the local file and its object key in the bucket. */
export interface WrittenReport {
  file: string;
  key: string;
  summary: SweepSummary;
}

async function summaryOf(store: ArtifactStore, sweepId: string): Promise<SweepSummary> {
  const keys = sweepKeys(sweepId);
  const summary = await store.tryGetJson<SweepSummary>(keys.summary);
  if (summary) return summary;
  if (await store.exists(keys.spec)) {
    throw new UsageError(`sweep ${sweepId} has no summary yet (still running, or never finished)`);
  }
  throw new UsageError(`no sweep with id ${sweepId} in bucket ${store.bucket}`);
}

async function partialSummary(store: ArtifactStore, sweepId: string): Promise<SweepSummary> {
  const s = await readPartialResults(store, sweepId);
  const finished = s.leaderboard.length;
  return {
    ...s,
    name: `${s.name} (partial: still running, ${finished} of ${s.total} trials finished)`,
  };
}

/**
 * Builds a sweep's report (with `partial`, a running sweep's, from its finished trials) from its summary and trial artefacts, writes
 * `<outDir>/index.html`, uploads it to `sweeps/<id>/report/index.html` and records that key
 * in the summary's `artefacts.report`. Idempotent: a rerun overwrites the same objects.
 *
 * @example
 * const { file } = await writeSweepReport(store, "mlp-lr-1a2b3c4d", "report-out/mlp-lr");
 */
export async function writeSweepReport(
  store: ArtifactStore,
  sweepId: string,
  outDir: string,
  groupBy?: string,
  opts: { partial?: boolean } = {},
): Promise<WrittenReport> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(sweepId)) {
    throw new UsageError(`not a sweep id: ${JSON.stringify(sweepId)}`);
  }
  // A running sweep: its finished trials, the title saying so; no summary is written.
  const summary = opts.partial
    ? await partialSummary(store, sweepId)
    : await summaryOf(store, sweepId);
  const trials = await readAllTrials(store, sweepId);
  let html: string;
  try {
    html = await buildReport({ summary, trials, ...(groupBy ? { groupBy } : {}) });
  } catch (error) {
    if (error instanceof ReportInputError)
      throw new UsageError(`--group-by: ${error.message}`, { cause: error });
    throw error;
  }
  const file = join(resolve(outDir), "index.html");
  await mkdir(resolve(outDir), { recursive: true });
  await writeFile(file, html);
  const keys = sweepKeys(sweepId);
  await store.putBytes(keys.report, html, "text/html; charset=utf-8");
  if (summary.partial) return { file, key: keys.report, summary };
  const recorded = { ...summary, artefacts: { ...summary.artefacts, report: keys.report } };
  if (summary.artefacts.report !== keys.report) await store.putJson(keys.summary, recorded);
  return { file, key: keys.report, summary: recorded };
}
