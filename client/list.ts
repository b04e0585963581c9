import type { Client } from "@temporalio/client";
import { UsageError } from "../errors";
import { stateName } from "./status";

/** What `client.start` records in a sweep workflow's memo (shown by `list` and the Web UI). */
export interface SweepMemo {
  name: string;
  pool: string;
  totalTrials: number;
}

/** Search attributes `stack up` registers on the local stack (Keyword: exact-match filters). */
export const SEARCH_ATTRIBUTES = { name: "HypersweepName", pool: "HypersweepPool" } as const;

/** One sweep workflow as the visibility API lists it (newest run of each id). */
export interface SweepListing {
  sweepId: string;
  name: string;
  state: string;
  startTime: string;
  closeTime?: string;
  pool?: string;
  totalTrials?: number;
}

/** `mlp-lr-1a2b3c4d` → `mlp-lr`: the name of a sweep started before memos existed. */
export function nameOfId(sweepId: string): string {
  return sweepId.replace(/-[0-9a-f]{8}$/, "");
}

/**
 * Sweep workflows, newest first (one row per id), from Temporal's visibility store.
 * @example for (const s of await listSweeps(sweeps.client)) console.log(s.sweepId, s.state);
 */
export async function listSweeps(client: Client, limit = 200): Promise<SweepListing[]> {
  const seen = new Map<string, SweepListing>();
  for await (const w of client.workflow.list({ query: "WorkflowType = 'sweepWorkflow'" })) {
    if (seen.has(w.workflowId)) continue; // older runs (continue-as-new, retry) of the same id
    const memo = (w.memo ?? {}) as Partial<SweepMemo>;
    seen.set(w.workflowId, {
      sweepId: w.workflowId,
      name: typeof memo.name === "string" ? memo.name : nameOfId(w.workflowId),
      state: stateName(w.status.name),
      startTime: w.startTime.toISOString(),
      ...(w.closeTime ? { closeTime: w.closeTime.toISOString() } : {}),
      ...(typeof memo.pool === "string" ? { pool: memo.pool } : {}),
      ...(typeof memo.totalTrials === "number" ? { totalTrials: memo.totalTrials } : {}),
    });
    if (seen.size >= limit) break;
  }
  return [...seen.values()];
}

/**
 * Which sweep `ref` (an id or a name) means among `sweeps`: the id itself, else the single
 * sweep of that name. Several or none is a `UsageError` listing the candidates.
 * @example pickSweep("my-mlp", list) // "my-mlp-c1fd9f4e"
 */
export function pickSweep(ref: string, sweeps: SweepListing[]): string {
  if (sweeps.some((s) => s.sweepId === ref)) return ref;
  const named = sweeps.filter((s) => s.name === ref);
  if (named.length === 1 && named[0]) return named[0].sweepId;
  if (named.length > 1) {
    const ids = named.map((s) => `${s.sweepId} (${s.state}, started ${s.startTime})`);
    throw new UsageError(`several sweeps are named ${ref}; give the id: ${ids.join(", ")}`);
  }
  const near = sweeps
    .filter((s) => s.sweepId.startsWith(ref) || s.name.includes(ref) || ref.includes(s.name))
    .slice(0, 5)
    .map((s) => s.sweepId);
  const hint = near.length
    ? `; did you mean ${near.join(" or ")}?`
    : "; `hypersweep list` shows them";
  throw new UsageError(`no sweep with id or name ${ref}${hint}`);
}
