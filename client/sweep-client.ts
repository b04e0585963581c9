import {
  Client,
  type Connection,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  WorkflowNotFoundError,
} from "@temporalio/client";
import type { HypersweepConfig } from "../config";
import type { SweepSpec } from "../spec";
import { connectClient } from "../workers/connection";
import {
  cancelSweepSignal,
  pauseSweepSignal,
  progressQuery,
  resumeSweepSignal,
  SWEEP_TASK_QUEUE,
  type SweepProgress,
  type SweepResult,
  setMaxParallelSignal,
} from "../workflows/definitions";
import type { sweepWorkflow } from "../workflows/sweep";
import { UsageError } from "./errors";

/** Epoch and attempt of a running trial, read from its activity's last heartbeat. */
export interface RunningTrial {
  trialId?: string;
  epoch?: number;
  attempt: number;
}

export type SweepStatus =
  | { state: "running"; progress: SweepProgress; trials: RunningTrial[] }
  | { state: "completed"; result: SweepResult }
  | { state: "failed" | "terminated" | "timed-out" | "cancelled"; message: string };

/** The CLI's view of sweeps: start, control and inspect sweep workflows by sweep id. */
export class SweepClient {
  private constructor(
    readonly client: Client,
    private readonly connection: Connection,
  ) {}

  static async connect(config: HypersweepConfig): Promise<SweepClient> {
    let connection: Connection;
    try {
      connection = await connectClient(config.temporal);
    } catch (error) {
      throw new Error(
        `cannot reach Temporal at ${config.temporal.address} (${(error as Error).message}); is the stack up? try \`hypersweep stack up\``,
      );
    }
    return new SweepClient(
      new Client({ connection, namespace: config.temporal.namespace }),
      connection,
    );
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Starts the sweep; `false` when a run with this id is already in progress. */
  async start(sweepId: string, spec: SweepSpec, historyLimit?: number): Promise<boolean> {
    try {
      await this.client.workflow.start<typeof sweepWorkflow>("sweepWorkflow", {
        taskQueue: SWEEP_TASK_QUEUE,
        workflowId: sweepId,
        args: [{ sweepId, spec, ...(historyLimit ? { historyLimit } : {}) }],
      });
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw error;
    }
  }

  handle(sweepId: string): WorkflowHandle<typeof sweepWorkflow> {
    return this.client.workflow.getHandle<typeof sweepWorkflow>(sweepId);
  }

  async status(sweepId: string): Promise<SweepStatus> {
    const handle = this.handle(sweepId);
    const description = await this.describe(sweepId);
    const state = description.status.name;
    if (state === "RUNNING" || state === "CONTINUED_AS_NEW") {
      const progress = await handle.query(progressQuery);
      const raw = await this.client.workflowService.describeWorkflowExecution({
        namespace: this.client.options.namespace,
        execution: { workflowId: sweepId },
      });
      const trials = (raw.pendingActivities ?? []).map((a) => runningTrial(this.client, a));
      return { state: "running", progress, trials };
    }
    if (state === "COMPLETED") return { state: "completed", result: await handle.result() };
    const message = await handle.result().then(
      () => state,
      (e: Error) => (e.cause instanceof Error ? e.cause.message : e.message),
    );
    return { state: state.toLowerCase().replace("_", "-") as "failed", message };
  }

  async describe(sweepId: string) {
    try {
      return await this.handle(sweepId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError)
        throw new UsageError(`no sweep with id ${sweepId}`);
      throw error;
    }
  }

  async signal(sweepId: string, what: "pause" | "resume" | "cancel"): Promise<void> {
    await this.describe(sweepId);
    const signal = {
      pause: pauseSweepSignal,
      resume: resumeSweepSignal,
      cancel: cancelSweepSignal,
    }[what];
    await this.handle(sweepId).signal(signal);
  }

  async setMaxParallel(sweepId: string, value: number): Promise<void> {
    await this.describe(sweepId);
    await this.handle(sweepId).signal(setMaxParallelSignal, value);
  }
}

function runningTrial(
  client: Client,
  activity: {
    heartbeatDetails?: { payloads?: unknown[] | null } | null;
    attempt?: number | null;
    activityId?: string | null;
  },
): RunningTrial {
  const payload = activity.heartbeatDetails?.payloads?.[0];
  let details: { epoch?: number } | undefined;
  try {
    details = payload
      ? (client.options.loadedDataConverter.payloadConverter.fromPayload(payload as never) as {
          epoch?: number;
        })
      : undefined;
  } catch {
    details = undefined;
  }
  return {
    ...(details?.epoch === undefined ? {} : { epoch: details.epoch }),
    attempt: activity.attempt ?? 1,
  };
}
