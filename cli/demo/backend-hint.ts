import { setTimeout as sleep } from "node:timers/promises";
import type { ArtifactStore } from "../../storage/store";
import { listLiveWorkers } from "../../workers/registry";

/**
 * CPU seconds per 200-epoch seed MLP trial measured by `bench:training` (training/README.md):
 * packed on native TensorFlow (K=128) against one at a time on WASM.
 */
const NATIVE_PACKED_S = 1.16;
const WASM_SOLO_S = 6.87;

/**
 * The backends the pool's training processes registered, once they have (up to `timeoutMs`):
 * `execution.pack: auto` is chosen from them when a sweep starts, so the demo starts its sweeps
 * after its workers are listed.
 */
export async function poolBackends(
  store: ArtifactStore,
  pool: string,
  timeoutMs = 90_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = (await listLiveWorkers(store).catch(() => [])).filter((w) => w.pool === pool);
    if (live.length > 0 || Date.now() > deadline) return [...new Set(live.map((w) => w.backend))];
    await sleep(1000);
  }
}

/** The one-time hint when no native backend loaded: how much faster, and the command. */
export function nativeBackendHint(backends: string[]): string | undefined {
  if (backends.length === 0 || backends.some((b) => b.startsWith("tensorflow"))) return undefined;
  const times = (WASM_SOLO_S / NATIVE_PACKED_S).toFixed(0);
  return (
    `training on ${backends.join(", ")}: with native TensorFlow the MLP sweeps train packed, ` +
    `about ${times}x less CPU per trial (${NATIVE_PACKED_S} s vs ${WASM_SOLO_S} s measured); ` +
    "install it once with `npx hypersweep backend install tensorflow`"
  );
}
