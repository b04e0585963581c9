/**
 * The programmatic API: what the CLI, the demo and the tests drive sweeps with, and how a
 * script embeds hypersweep (README "Embedding: the client API").
 */
export { connectClient } from "./connection";
export {
  listSweeps,
  nameOfId,
  pickSweep,
  SEARCH_ATTRIBUTES,
  type SweepListing,
  type SweepMemo,
} from "./list";
export { bundleModelModule, type CodeBundle, resolveModelCode } from "./model-code";
export { readPartialResults } from "./partial";
export {
  type PreparedSpec,
  prepareSpec,
  resolveCode,
  resolveDataset,
  resolveInputs,
  uploadDataset,
  uploadInputs,
  validateData,
  validateModel,
} from "./prepare";
export { type WrittenReport, writeSweepReport } from "./report";
export { readLeaderboardCsv, readResults } from "./results";
export { retrainTrials } from "./retrain";
export type { RunningTrial, SweepStatus } from "./status";
export { checkMaxParallel, SweepClient, type SweepControl } from "./sweep-client";
export { type SweepEvent, type WatchOptions, watchSweep } from "./watch";

import type { HypersweepConfig } from "../config";
import { SweepClient } from "./sweep-client";

/**
 * Connects to the configured Temporal and returns a client for starting and following sweeps.
 *
 * @example
 * const sweeps = await connect(loadConfig(process.env));
 * try { console.log(await sweeps.status("momentum-1a2b3c4d")); } finally { await sweeps.close(); }
 */
export function connect(config: HypersweepConfig): Promise<SweepClient> {
  return SweepClient.connect(config);
}
