import type { Command } from "commander";
import type { SweepClient, SweepStatus } from "../../client";
import type { ListFilter, SweepListing } from "../../client/list";
import { configFrom } from "../context";
import { table } from "../format";
import { print } from "../output";
import { finishedCount, roundValue } from "../progress-view";
import { withClient } from "./lookup";

/** A listed sweep with its progress and best objective value (when its workflow answers). */
export interface ListedSweep extends SweepListing {
  done?: number;
  total?: number;
  best?: { trialId: string; objective: number };
}

function withProgress(s: SweepListing, status: SweepStatus | undefined): ListedSweep {
  if (status?.state === "running" || status?.state === "completed") {
    const p = status.state === "running" ? status.progress : status.result;
    const c = p.counts;
    const best = p.best?.objective === undefined ? undefined : p.best;
    return {
      ...s,
      done: finishedCount(c),
      total: p.total,
      ...(best ? { best: { trialId: best.trialId, objective: best.objective as number } } : {}),
    };
  }
  return { ...s, ...(s.totalTrials ? { total: s.totalTrials } : {}) };
}

async function listed(
  client: SweepClient,
  limit: number,
  filter: ListFilter,
): Promise<ListedSweep[]> {
  const sweeps = await client.list(limit, filter);
  return Promise.all(
    sweeps.map(async (s) => withProgress(s, await client.status(s.sweepId).catch(() => undefined))),
  );
}

/** The `list` table: newest first. */
export function listText(rows: ListedSweep[]): string {
  if (rows.length === 0) return "no sweeps yet (`hypersweep run SPEC` starts one)";
  return table(
    ["name", "id", "state", "progress", "best", "started"],
    rows.map((r) => [
      r.name,
      r.sweepId,
      r.state,
      r.done === undefined ? `?/${r.total ?? "?"}` : `${r.done}/${r.total ?? "?"}`,
      r.best ? roundValue(r.best.objective) : "-",
      r.startTime.replace("T", " ").replace(/\.\d+Z$/, "Z"),
    ]),
  );
}

export interface ListFlags extends ListFilter {
  json?: boolean;
  limit: number;
}

/** `list [--json] [--limit N] [--name N] [--pool P] [--state S] [--where EXPR]`. */
export async function listCommand(flags: ListFlags, cmd: Command) {
  const { json: _json, limit, ...filter } = flags;
  const rows = await withClient(configFrom(cmd), (c) => listed(c, limit, filter));
  print(!!flags.json, rows, () => listText(rows));
}
