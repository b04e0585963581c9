import { NativeConnection } from "@temporalio/worker";
import { connectionOptions } from "../client/connection";
import type { TemporalConfig } from "../config";

/** A worker's connection to Temporal (local dev server, a cluster, or Temporal Cloud). */
export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(await connectionOptions(config));
}
