/**
 * Custom search attributes of sweep workflows: Temporal's Web UI and `hypersweep list` filter
 * sweeps by them (`HypersweepState = 'paused' AND HypersweepBest < 0.5`). The client sets them
 * at start when the namespace has them registered; the workflow then upserts state, best and
 * progress as they change. Pure: shared by the workflow, the client and `stack up`.
 */
import {
  defineSearchAttributeKey,
  type SearchAttributePair,
  SearchAttributeType,
  type SearchAttributeUpdatePair,
} from "@temporalio/common";

export const SWEEP_SEARCH_ATTRIBUTES = {
  name: defineSearchAttributeKey("HypersweepName", SearchAttributeType.KEYWORD),
  pool: defineSearchAttributeKey("HypersweepPool", SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey("HypersweepState", SearchAttributeType.KEYWORD),
  best: defineSearchAttributeKey("HypersweepBest", SearchAttributeType.DOUBLE),
  done: defineSearchAttributeKey("HypersweepDone", SearchAttributeType.INT),
  total: defineSearchAttributeKey("HypersweepTotal", SearchAttributeType.INT),
} as const;

/** `NAME=Type` as `temporal server start-dev --search-attribute` and `operator` take them. */
export function searchAttributeDeclarations(): { name: string; type: string }[] {
  const cli: Record<SearchAttributeType, string> = {
    TEXT: "Text",
    KEYWORD: "Keyword",
    INT: "Int",
    DOUBLE: "Double",
    BOOL: "Bool",
    DATETIME: "Datetime",
    KEYWORD_LIST: "KeywordList",
  };
  return Object.values(SWEEP_SEARCH_ATTRIBUTES).map((k) => ({ name: k.name, type: cli[k.type] }));
}

/**
 * The commands that register them on a cluster, one per type (the CLI takes one `--type` per
 * call); named in the fallback warning and the docs.
 */
export function registerCommands(namespace: string): string[] {
  const byType = new Map<string, string[]>();
  for (const d of searchAttributeDeclarations()) {
    byType.set(d.type, [...(byType.get(d.type) ?? []), d.name]);
  }
  return [...byType].map(
    ([type, names]) =>
      `temporal operator search-attribute create --namespace ${namespace} ${names.map((n) => `--name ${n}`).join(" ")} --type ${type}`,
  );
}

/** What the workflow tells visibility: `running`, `paused`, `cancelling`, then final. */
export type SweepVisibleState =
  | "running"
  | "paused"
  | "cancelling"
  | "completed"
  | "failed"
  | "cancelled";

export interface VisibleSweep {
  state: SweepVisibleState;
  done: number;
  best?: number;
}

/** Attributes `start` sets: name and pool never change, the rest the workflow keeps current. */
export function initialSearchAttributes(s: {
  name: string;
  pool: string;
  total: number;
}): SearchAttributePair[] {
  const k = SWEEP_SEARCH_ATTRIBUTES;
  return [
    { key: k.name, value: s.name },
    { key: k.pool, value: s.pool },
    { key: k.state, value: "running" },
    { key: k.done, value: 0 },
    { key: k.total, value: s.total },
  ];
}

/** Only what changed between two views (nothing: no upsert, no history event). */
export function changedSearchAttributes(
  before: VisibleSweep,
  after: VisibleSweep,
): SearchAttributeUpdatePair[] {
  const k = SWEEP_SEARCH_ATTRIBUTES;
  const pairs: SearchAttributeUpdatePair[] = [];
  if (after.state !== before.state) pairs.push({ key: k.state, value: after.state });
  if (after.done !== before.done) pairs.push({ key: k.done, value: after.done });
  if (after.best !== before.best && after.best !== undefined && Number.isFinite(after.best)) {
    pairs.push({ key: k.best, value: after.best });
  }
  return pairs;
}
