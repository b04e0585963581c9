import type { Client } from "@temporalio/client";
import { UsageError } from "../errors";
import { registerCommands, SWEEP_SEARCH_ATTRIBUTES } from "../workflows/search-attributes";
import { stateName } from "./status";

/** What `client.start` records in a sweep workflow's memo (shown by `list` and the Web UI). */
export interface SweepMemo {
  name: string;
  pool: string;
  totalTrials: number;
}

/** Search attributes `stack up` registers on the local stack (Keyword: exact-match filters). */
export const SEARCH_ATTRIBUTES = Object.fromEntries(
  Object.entries(SWEEP_SEARCH_ATTRIBUTES).map(([field, key]) => [field, key.name]),
) as { [F in keyof typeof SWEEP_SEARCH_ATTRIBUTES]: string };

/** `list` filters, each a visibility-query clause (AND-ed). */
export interface ListFilter {
  name?: string;
  pool?: string;
  /** `running`, `paused`, `cancelling` (the workflow's own state), or a closed state. */
  state?: string;
  /** A raw visibility-query expression, e.g. `HypersweepBest < 0.5`. */
  where?: string;
}

/** States the sweep workflow reports while open; the rest are Temporal's close states. */
const OPEN_STATES = ["running", "paused", "cancelling"];
const CLOSED_STATES: Record<string, string> = {
  completed: "Completed",
  failed: "Failed",
  cancelled: "Canceled",
  terminated: "Terminated",
  "timed-out": "TimedOut",
};

function quoted(field: string, value: string): string {
  if (!/^[\w.:/-]+$/.test(value)) {
    throw new UsageError(`--${field}: ${JSON.stringify(value)} has characters a name never has`);
  }
  return `'${value}'`;
}

/**
 * The visibility query for `filter` (sweep workflows only). Open states come from the
 * workflow's `HypersweepState`, closed ones from Temporal's `ExecutionStatus` (a terminated
 * sweep never got to say so itself).
 * @example visibilityQuery({ state: "paused" }) // "... AND HypersweepState = 'paused'"
 */
export function visibilityQuery(filter: ListFilter = {}): string {
  const a = SEARCH_ATTRIBUTES;
  const clauses = ["WorkflowType = 'sweepWorkflow'"];
  if (filter.name !== undefined) clauses.push(`${a.name} = ${quoted("name", filter.name)}`);
  if (filter.pool !== undefined) clauses.push(`${a.pool} = ${quoted("pool", filter.pool)}`);
  const { state } = filter;
  if (state !== undefined) {
    if (OPEN_STATES.includes(state)) {
      clauses.push(`ExecutionStatus = 'Running' AND ${a.state} = '${state}'`);
    } else if (CLOSED_STATES[state]) {
      clauses.push(`ExecutionStatus = '${CLOSED_STATES[state]}'`);
    } else {
      const all = [...OPEN_STATES, ...Object.keys(CLOSED_STATES)].join(", ");
      throw new UsageError(`--state: ${state} is not a sweep state (one of ${all})`);
    }
  }
  if (filter.where) clauses.push(`(${filter.where})`);
  return clauses.join(" AND ");
}

/** Whether `filter` needs the custom search attributes (a plain listing does not). */
export function usesSearchAttributes(filter: ListFilter): boolean {
  const closed = filter.state !== undefined && CLOSED_STATES[filter.state] !== undefined;
  return (
    filter.name !== undefined ||
    filter.pool !== undefined ||
    filter.where !== undefined ||
    (filter.state !== undefined && !closed)
  );
}

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
export async function listSweeps(
  client: Client,
  limit = 200,
  filter: ListFilter = {},
): Promise<SweepListing[]> {
  try {
    return await listQuery(client, limit, visibilityQuery(filter));
  } catch (error) {
    if (!(error instanceof UsageError) && usesSearchAttributes(filter) && isBadQuery(error)) {
      const why = (error as { cause?: { details?: string } }).cause?.details ?? String(error);
      throw new UsageError(
        `Temporal refused the filter (${why}); filters by name, pool, open state or --where need the hypersweep search attributes: ${registerCommands(client.options.namespace).join(" && ")}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** INVALID_ARGUMENT: an unknown search attribute or a malformed `--where`. */
function isBadQuery(error: unknown): boolean {
  return (error as { cause?: { code?: number } })?.cause?.code === 3;
}

async function listQuery(client: Client, limit: number, query: string): Promise<SweepListing[]> {
  const seen = new Map<string, SweepListing>();
  for await (const w of client.workflow.list({ query })) {
    if (seen.has(w.workflowId)) continue; // older runs (continue-as-new, retry) of the same id
    const memo = (w.memo ?? {}) as Partial<SweepMemo>;
    const own = w.typedSearchAttributes.get(SWEEP_SEARCH_ATTRIBUTES.state);
    const state = stateName(w.status.name);
    seen.set(w.workflowId, {
      sweepId: w.workflowId,
      name: typeof memo.name === "string" ? memo.name : nameOfId(w.workflowId),
      // An open sweep says itself whether it is paused or cancelling.
      state: state === "running" && own ? own : state,
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
