import { canonicalJson, sha256Hex } from "./canonical";
import type { SweepSpec } from "./types";

/**
 * The sweep's stable id: `<name>-` + 8 hex of SHA-256 over the canonical spec, so running the
 * same spec again addresses the same sweep and reuses its finished trials. `description` and
 * `execution` (pool, parallelism, retries, timeouts) say how to run, not what, so they are left
 * out: re-running with more parallelism is still the same sweep. Defaults are filled in before
 * hashing, so writing a default out explicitly does not change the id.
 *
 * @example sweepIdFor(spec) // "mlp-lr-1a2b3c4d"
 */
export function sweepIdFor(spec: SweepSpec): string {
  const { description: _description, execution: _execution, ...what } = spec;
  return `${spec.name}-${sha256Hex(`hypersweep/sweep/v1\n${canonicalJson(what)}`).slice(0, 8)}`;
}
