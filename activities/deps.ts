import type { WorkerMetrics } from "../metrics";
import type { ArtifactStore } from "../storage/store";
import type { ModelCode } from "../training";
import type { DataCache } from "./data-cache";

/** What the worker (the composition root) hands to its activities. */
export interface ActivityDeps {
  store: ArtifactStore;
  metrics?: WorkerMetrics;
  data: DataCache;
  /** Loaded model modules by bucket key; absent: each attempt loads its module again. */
  code?: DataCache<ModelCode>;
  /** Backend already initialised by the worker, e.g. `wasm`. */
  backend: string;
  /** Aborted when the worker shuts down: running trials checkpoint and hand over to a retry. */
  shutdown: AbortSignal;
  /** Where command trials unpack their code and run (HYPERSWEEP_CACHE_DIR); a temp folder when absent. */
  cacheDir?: string;
  /** Longest S3 outage an attempt waits out before failing (HYPERSWEEP_OUTAGE_BUDGET_SECONDS). */
  outageBudgetSeconds?: number;
}
