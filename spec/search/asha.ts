/**
 * Asynchronous successive halving (ASHA, Li et al. 2018) as a pure state machine over plain
 * JSON state, so a workflow can keep it in its state and carry it through continue-as-new.
 * Rungs sit at minEpochs·η^k below maxEpochs. When a trial reaches a rung its value is compared
 * with the rung's results so far (no waiting for the rung to fill): in the top 1/η it is
 * promoted to the next rung, otherwise stopped. This is the decision rule of Ray Tune's
 * AsyncHyperBandScheduler with one bracket: early arrivals face fewer rivals, as in the paper.
 */

export interface AshaConfig {
  minEpochs: number;
  /** η: the top 1/η of each rung goes on. */
  reductionFactor: number;
  /** training.epochs: a trial that gets there is complete. */
  maxEpochs: number;
  mode: "min" | "max";
}

export type AshaDecision = "promote" | "stop" | "complete";

/** Per rung, trial id → its value and the decision it got (a repeated report gets the same one). */
export interface AshaState {
  rungs: Array<Record<string, { value: number; decision: AshaDecision }>>;
}

/**
 * The rung epochs: minEpochs·η^k rounded, distinct, below maxEpochs.
 *
 * @example ashaRungs({ minEpochs: 1, reductionFactor: 3, maxEpochs: 30, mode: "max" }) // [1, 3, 9, 27]
 */
export function ashaRungs(config: AshaConfig): number[] {
  const rungs: number[] = [];
  for (let k = 0; ; k++) {
    const epoch = Math.round(config.minEpochs * config.reductionFactor ** k);
    if (epoch >= config.maxEpochs) return rungs;
    if (rungs.at(-1) !== epoch) rungs.push(epoch);
  }
}

export function initialAshaState(config: AshaConfig): AshaState {
  return { rungs: ashaRungs(config).map(() => ({})) };
}

/** The epoch a trial trains to next: the rung after `rung`, or maxEpochs after the last. */
export function nextMilestone(config: AshaConfig, rung: number): number {
  return ashaRungs(config)[rung + 1] ?? config.maxEpochs;
}

/** The q-quantile with linear interpolation (numpy's default), of a non-empty list. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const lo = sorted[below] as number;
  const hi = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return lo + (hi - lo) * (at - below);
}

/**
 * Records a trial's value at rung `rung` (an index into `ashaRungs`) and decides: `promote`
 * (train on to `nextMilestone`), `stop`, or `complete` at or past the last rung. The value is
 * compared with every value recorded at the rung, its own included: a trial is promoted when it
 * is at least as good as the (1 - 1/η) quantile (for max; mirrored for min). A non-finite value
 * (a diverged trial) is stopped and does not move the quantile. Mutates `state`.
 */
export function onRungResult(
  state: AshaState,
  config: AshaConfig,
  trialId: string,
  rung: number,
  value: number,
): AshaDecision {
  const results = state.rungs[rung];
  if (results === undefined) return "complete";
  const known = results[trialId];
  if (known) return known.decision;
  let decision: AshaDecision = "stop";
  if (Number.isFinite(value)) {
    const sign = config.mode === "max" ? 1 : -1;
    const values = Object.values(results)
      .map((r) => r.value)
      .filter(Number.isFinite)
      .concat(value)
      .map((v) => sign * v);
    const cutoff = quantile(values, 1 - 1 / config.reductionFactor);
    decision = sign * value >= cutoff ? "promote" : "stop";
  }
  results[trialId] = { value, decision };
  return decision;
}
