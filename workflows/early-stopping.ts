/**
 * Early stopping as the sweep workflow drives it: a trial trains in segments, each one
 * `trainTrial` activity that resumes from the trial's checkpoint and returns the judged metric
 * at the segment's last epoch; the rule then decides whether the trial trains on. Decisions
 * read only activity results (recorded in history) and plain state carried across
 * continue-as-new, so they replay identically and survive worker kills and server restarts.
 * Heartbeat details are not used: the workflow cannot read them deterministically.
 */
import {
  type AshaConfig,
  ashaRungs,
  initialAshaState,
  initialMedianState,
  type MedianConfig,
  nextMilestone,
  onEpochResult,
  onRungResult,
  type SweepSpec,
} from "../spec";
import type { TrialSpec } from "../spec/types";
import type { StoppingState } from "./definitions";

type EarlyStopping = NonNullable<SweepSpec["earlyStopping"]>;

/** What the rule says after a segment: train on to `untilEpoch`, or stop here. */
export type SegmentDecision = { untilEpoch: number } | "stop";

export interface Stopper {
  /** The metric segments report. */
  readonly judge: EarlyStopping["metric"];
  /** The epoch a fresh trial trains to first. */
  firstTarget(trial: TrialSpec): number;
  /** Folds a segment's value in and decides. */
  decide(trial: TrialSpec, epoch: number, value: number): SegmentDecision;
}

export function initialStoppingState(rule: EarlyStopping, spec: SweepSpec): StoppingState {
  if (rule.method === "asha") return { asha: initialAshaState(ashaConfig(rule, spec)), parked: [] };
  return { median: initialMedianState(), parked: [] };
}

function ashaConfig(rule: Extract<EarlyStopping, { method: "asha" }>, spec: SweepSpec): AshaConfig {
  return {
    minEpochs: rule.minEpochs,
    reductionFactor: rule.reductionFactor,
    maxEpochs: spec.training.epochs,
    mode: rule.mode,
  };
}

/**
 * ASHA: segments end at the rungs (minEpochs·η^k below training.epochs); at each the trial is
 * promoted (top 1/η of the rung so far) or stopped; past the last rung it trains to its end.
 * Median: segments end every `checkpointEvery` epochs after the warm-up; at each, a trial worse
 * than the median of the others at that epoch stops.
 */
export function stopperFor(spec: SweepSpec, state: StoppingState): Stopper | undefined {
  const rule = spec.earlyStopping;
  if (!rule) return undefined;
  if (rule.method === "asha") {
    const config = ashaConfig(rule, spec);
    const rungs = ashaRungs(config);
    const asha = () => {
      state.asha ??= initialAshaState(config);
      return state.asha;
    };
    return {
      judge: rule.metric,
      firstTarget: (trial) => Math.min(rungs[0] ?? trial.config.epochs, trial.config.epochs),
      decide(trial, epoch, value) {
        const rung = rungs.indexOf(epoch);
        if (rung < 0) return { untilEpoch: trial.config.epochs };
        const decision = onRungResult(asha(), config, trial.trialId, rung, value);
        if (decision === "stop") return "stop";
        return { untilEpoch: Math.min(nextMilestone(config, rung), trial.config.epochs) };
      },
    };
  }
  const config: MedianConfig = {
    warmupEpochs: rule.warmupEpochs,
    minTrials: rule.minTrials,
    mode: rule.mode,
  };
  const every = Math.max(1, spec.training.checkpointEvery);
  const after = (epoch: number, last: number) =>
    Math.min(last, (Math.floor(Math.max(epoch, rule.warmupEpochs) / every) + 1) * every);
  return {
    judge: rule.metric,
    firstTarget: (trial) => after(0, trial.config.epochs),
    decide(trial, epoch, value) {
      state.median ??= initialMedianState();
      const decision = onEpochResult(state.median, config, trial.trialId, epoch, value);
      return decision === "stop" ? "stop" : { untilEpoch: after(epoch, trial.config.epochs) };
    },
  };
}
