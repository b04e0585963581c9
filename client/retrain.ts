import { expandTrials, type SweepSpec, sweepIdFor } from "../spec";
import type { ArtifactStore } from "../storage/store";
import { forgetTrials } from "../storage/trials";

/**
 * Forces the spec's trials to train again (`hypersweep run --retrain`): their stored curves and
 * checkpoints are removed, whichever sweep trained them, so the sweep started next finds none
 * to reuse. Returns how many trials had a stored result.
 * @example await retrainTrials(store, prepared.spec); await sweeps.start(prepared.spec);
 */
export async function retrainTrials(store: ArtifactStore, spec: SweepSpec): Promise<number> {
  const ids = expandTrials(spec).map((t) => t.trialId);
  return forgetTrials(store, sweepIdFor(spec), ids);
}
