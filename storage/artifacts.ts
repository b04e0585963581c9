/** The JSON documents hypersweep writes to the bucket (see DESIGN.md, object layout). */
import type { EpochRecord, Objective, ParamValue, TrialConfig, TrialStatus } from "../spec/types";

/** `trials/<trialId>/curves.json`: one trial's full learning curves, shared by every sweep that has it. */
export interface TrialArtifact {
  /** The sweep whose attempt wrote it (other sweeps reuse it). */
  sweepId: string;
  trialId: string;
  params: Record<string, ParamValue>;
  config: TrialConfig;
  status: TrialStatus;
  /** Epoch (1-based) at which a non-finite loss or weight appeared. */
  divergedAtEpoch?: number;
  /** One record per epoch, each epoch exactly once, in order. */
  records: EpochRecord[];
  /** Activity attempts used (1 = no retry). */
  attempts: number;
  /** Epochs a retry resumed from (one entry per resume). */
  resumedFromEpochs: number[];
  /** Per attempt: the checkpoint epoch it resumed from and the last epoch it reached. */
  attemptLog?: { attempt: number; resumedFromEpoch: number; reachedEpoch: number }[];
  /** Training backend actually used, e.g. `wasm`, `cpu`, `tensorflow-gpu`. */
  backend: string;
  /** Trials of the packed activity that committed it (absent: trained solo). */
  packSize?: number;
  durationSeconds: number;
  finishedAt: string;
  error?: string;
  /** Fencing token of the attempt that committed it (storage/lease.ts). */
  fencingToken?: number;
}

/** A trial's line in the sweep summary and leaderboard. */
export interface TrialSummary {
  trialId: string;
  params: Record<string, ParamValue>;
  status: TrialStatus;
  epochs: number;
  finalTrainLoss?: number;
  finalValLoss?: number;
  finalTrainMetric?: number;
  finalValMetric?: number;
  /** Best validation metric over epochs (max for accuracy, min for MSE). */
  bestValMetric?: number;
  divergedAtEpoch?: number;
  attempts: number;
  resumes: number;
  /** True when this run did not train the trial: another sweep, or an earlier run, finished it. */
  reused?: boolean;
  error?: string;
}

export type { Objective } from "../spec/types";

/** `sweeps/<sweepId>/summary.json`. */
export interface SweepSummary {
  sweepId: string;
  name: string;
  task: "regression" | "classification";
  objective: Objective;
  total: number;
  /** By status; `stopped` only when early stopping stopped a trial. */
  counts: Record<Exclude<TrialStatus, "stopped">, number> & { stopped?: number };
  startedAt: string;
  finishedAt: string;
  /** This run's wall time: after a rerun, only the rerun's (see `trainingSeconds`). */
  wallSeconds: number;
  /** Time during which at least one trial trained, over every run (reused trials included). */
  trainingSeconds?: number;
  /** Trials this run found finished (by any sweep) and did not train again. */
  reused?: number;
  /** Each param's values in spec (expansion) order: the report's panel and legend order. */
  paramValues?: Record<string, ParamValue[]>;
  /** Set on a summary read while the sweep still runs: only finished trials are listed. */
  partial?: boolean;
  /** Sorted best first by the objective; non-completed trials last. */
  leaderboard: TrialSummary[];
  /** The budget that stopped the scheduling (trials it kept from starting are not listed). */
  budgetStop?: { budget: "maxTrials" | "maxFailedTrials" | "maxHours"; limit: number };
  artefacts: { spec: string; summary: string; leaderboard: string; report?: string };
}
