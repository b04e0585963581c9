import type { Connection } from "@temporalio/client";
import type { SearchAttributeType } from "@temporalio/common";
import { SWEEP_SEARCH_ATTRIBUTES } from "../../workflows/search-attributes";

/** Temporal's `IndexedValueType` numbers (temporal/api/enums/v1/common.proto). */
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

/**
 * Registers the sweep workflows' search attributes on `namespace` (those still missing), so
 * `stack up` works the same on a new and on an existing database. On a real cluster the same
 * is `temporal operator search-attribute create …` (see `registerCommands`).
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({
    namespace,
  });
  const missing = Object.values(SWEEP_SEARCH_ATTRIBUTES).filter(
    (k) => customAttributes?.[k.name] === undefined,
  );
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(
    missing.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type]]),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return missing.map((k) => k.name);
}
