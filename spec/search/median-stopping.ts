/**
 * The median stopping rule (Golovin et al. 2017, Optuna's MedianPruner) as a pure state
 * machine over plain JSON state: a trial whose metric at epoch e is worse than the median of the
 * other trials' metric at e is stopped. The state holds one value per trial per judged epoch,
 * so a workflow should report at checkpoint epochs only.
 */

export interface MedianConfig {
  /** Epochs 1..warmupEpochs are never judged. */
  warmupEpochs: number;
  /** How many other trials must have a value at an epoch before it is judged. */
  minTrials: number;
  mode: "min" | "max";
}

export type MedianDecision = "continue" | "stop";

/** Epoch → trial id → value. */
export interface MedianState {
  epochs: Record<string, Record<string, number>>;
}

export function initialMedianState(): MedianState {
  return { epochs: {} };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
    : (sorted[Math.floor(mid)] as number);
}

/**
 * Records a trial's value at `epoch` and decides whether it goes on. Only finite values of other
 * trials count toward the median; a non-finite value of its own (diverged) stops the trial once
 * past the warm-up. A repeated report replaces the earlier value. Mutates `state`.
 *
 * @example onEpochResult(state, { warmupEpochs: 5, minTrials: 5, mode: "max" }, "t-1", 10, 0.62)
 */
export function onEpochResult(
  state: MedianState,
  config: MedianConfig,
  trialId: string,
  epoch: number,
  value: number,
): MedianDecision {
  const key = String(epoch);
  const atEpoch = state.epochs[key] ?? {};
  state.epochs[key] = atEpoch;
  atEpoch[trialId] = value;
  if (epoch <= config.warmupEpochs) return "continue";
  if (!Number.isFinite(value)) return "stop";
  const others = Object.entries(atEpoch)
    .filter(([id, v]) => id !== trialId && Number.isFinite(v))
    .map(([, v]) => v);
  if (others.length < config.minTrials) return "continue";
  const m = median(others);
  const worse = config.mode === "max" ? value < m : value > m;
  return worse ? "stop" : "continue";
}
