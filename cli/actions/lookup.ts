import type { SweepClient } from "../../client";
import { connect } from "../../client";
import type { HypersweepConfig } from "../../config";
import { UsageError } from "../../errors";

/** Runs `fn` with a connected client, closing it after. */
export async function withClient<T>(
  config: HypersweepConfig,
  fn: (c: SweepClient) => Promise<T>,
): Promise<T> {
  const client = await connect(config);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** `ref` (an id or a name) as a sweep id, with `fn` given the connected client. */
export function withSweep<T>(
  config: HypersweepConfig,
  ref: string,
  fn: (c: SweepClient, sweepId: string) => Promise<T>,
): Promise<T> {
  return withClient(config, async (c) => fn(c, await c.resolve(ref)));
}

/**
 * A sweep's id and whether its workflow still runs, for commands that read the bucket. With
 * Temporal unreachable the ref is taken as an id and the bucket decides (no name lookup).
 */
export async function lookupForBucket(
  config: HypersweepConfig,
  ref: string,
): Promise<{ sweepId: string; running: boolean }> {
  try {
    return await withSweep(config, ref, async (c, sweepId) => {
      const { status } = await c.describe(sweepId);
      return { sweepId, running: status.name === "RUNNING" };
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return { sweepId: ref, running: false };
  }
}
