import {
  Client,
  type Connection,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from "@temporalio/client";
import type { HypersweepConfig } from "../config";
import { TransientError, UsageError } from "../errors";
import { expandTrials, maxParallelProblem, type SweepSpec, sweepIdFor } from "../spec";
import {
  cancelSweepSignal,
  pauseSweepSignal,
  poolTaskQueue,
  progressQuery,
  resumeSweepSignal,
  SWEEP_TASK_QUEUE,
  type SweepResult,
  setMaxParallelUpdate,
} from "../workflows/definitions";
import { initialSearchAttributes, registerCommands } from "../workflows/search-attributes";
import type { sweepWorkflow } from "../workflows/sweep";
import { connectClient } from "./connection";
import { type ListFilter, listSweeps, pickSweep, type SweepListing, type SweepMemo } from "./list";
import { runningTrials, type SweepStatus, stateName } from "./status";
import { type SweepEvent, type WatchOptions, watchSweep } from "./watch";

/** `TASK_QUEUE_TYPE_ACTIVITY`: training trials are activities on the pool's queue. */
const TASK_QUEUE_TYPE_ACTIVITY = 2;
function memoOf(spec: SweepSpec): SweepMemo {
  return { name: spec.name, pool: spec.execution.pool, totalTrials: expandTrials(spec).length };
}

/** Temporal's INVALID_ARGUMENT "no mapping defined for search attribute …". */
function isUnregisteredSearchAttribute(error: unknown): boolean {
  const cause = (error as { cause?: { code?: number; details?: string } })?.cause;
  return cause?.code === 3 && /search attribute/i.test(cause.details ?? "");
}

function unregisteredWarning(namespace: string): string {
  return `warning: namespace ${namespace} has no hypersweep search attributes, so sweeps start with a memo only (no filtering by name, state or best in \`hypersweep list\` or the Web UI); register them once with: ${registerCommands(namespace).join(" && ")}`;
}

/** A control message to a running sweep. */
export type SweepControl = "pause" | "resume" | "cancel";

/**
 * Throws a `UsageError` naming `value` unless it is a valid `maxParallel` (the spec's rule, which
 * the workflow's update validator applies too).
 * @example checkMaxParallel(0) // throws "maxParallel must be a whole number, at least 1 (got 0)"
 */
export function checkMaxParallel(value: number): void {
  const problem = maxParallelProblem(value);
  if (problem !== undefined) throw new UsageError(`maxParallel ${problem} (got ${value})`);
}

/**
 * Starts, controls and follows sweep workflows by sweep id.
 *
 * @example
 * const sweeps = await SweepClient.connect(loadConfig(process.env));
 * const { sweepId } = await sweeps.start(spec);
 * const result = await sweeps.wait(sweepId, { onEvent: (e) => console.log(e.type) });
 * await sweeps.close();
 */
export class SweepClient {
  /** Whether the namespace has the search attributes (learnt by the first start). */
  #searchAttributes: boolean | undefined;

  private constructor(
    readonly client: Client,
    private readonly connection: Connection,
  ) {}

  /** Connects to the configured Temporal; a server that cannot be reached is a `TransientError`. */
  static async connect(config: HypersweepConfig): Promise<SweepClient> {
    let connection: Connection;
    try {
      connection = await connectClient(config.temporal);
    } catch (error) {
      throw new TransientError(
        `cannot reach Temporal at ${config.temporal.address} (${(error as Error).message}); is the stack up? try \`hypersweep stack up\``,
        { cause: error },
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

  /**
   * Starts a sweep of a prepared spec (see `prepareSpec`) under its stable id; `started` is
   * `false` when a run with this id is already in progress (the caller can follow it).
   * @example const { sweepId, started } = await sweeps.start(prepared.spec);
   */
  async start(
    spec: SweepSpec,
    opts: { sweepId?: string; historyLimit?: number } = {},
  ): Promise<{ sweepId: string; started: boolean; warning?: string }> {
    const sweepId = opts.sweepId ?? sweepIdFor(spec);
    const memo = memoOf(spec);
    const input = {
      sweepId,
      spec,
      ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}),
    };
    const options = { taskQueue: SWEEP_TASK_QUEUE, workflowId: sweepId, memo: { ...memo } };
    const run = async (withAttributes: boolean) => {
      try {
        await this.client.workflow.start<typeof sweepWorkflow>("sweepWorkflow", {
          ...options,
          args: [withAttributes ? { ...input, searchAttributes: true } : input],
          ...(withAttributes
            ? {
                typedSearchAttributes: initialSearchAttributes({
                  ...memo,
                  total: memo.totalTrials,
                }),
              }
            : {}),
        });
        return { sweepId, started: true };
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError)
          return { sweepId, started: false };
        throw error;
      }
    };
    if (this.#searchAttributes === false) return run(false);
    try {
      const started = await run(true);
      this.#searchAttributes = true;
      return started;
    } catch (error) {
      if (!isUnregisteredSearchAttribute(error)) throw error;
      this.#searchAttributes = false;
      return { ...(await run(false)), warning: unregisteredWarning(this.client.options.namespace) };
    }
  }

  /**
   * Sweep workflows, newest first, with the name, pool and trial count `start` put in the memo;
   * `filter` narrows them by search attributes (a visibility query).
   * @example for (const s of await sweeps.list(50, { state: "paused" })) console.log(s.name);
   */
  list(limit?: number, filter: ListFilter = {}): Promise<SweepListing[]> {
    return listSweeps(this.client, limit, filter);
  }

  /**
   * The sweep id `ref` means: an existing id as is, else the single sweep named `ref`; several
   * or none is a `UsageError` naming the candidates ("did you mean …?").
   * @example await sweeps.resolve("my-mlp") // "my-mlp-c1fd9f4e"
   */
  async resolve(ref: string): Promise<string> {
    try {
      await this.handle(ref).describe();
      return ref;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    return pickSweep(ref, await this.list());
  }

  handle(sweepId: string): WorkflowHandle<typeof sweepWorkflow> {
    return this.client.workflow.getHandle<typeof sweepWorkflow>(sweepId);
  }

  /**
   * Where a sweep stands: progress and running trials, its result, or why it stopped.
   * @example if ((await sweeps.status(id)).state === "running") await sweeps.pause(id);
   */
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
      const trials = (raw.pendingActivities ?? []).flatMap((a) => runningTrials(this.client, a));
      return { state: "running", progress, trials };
    }
    if (state === "COMPLETED") return { state: "completed", result: await handle.result() };
    const message = await handle.result().then(
      () => state,
      (e: Error) => (e.cause instanceof Error ? e.cause.message : e.message),
    );
    return { state: stateName(state) as "failed", message };
  }

  /**
   * How many workers poll `pool`'s training task queue (Temporal's DescribeTaskQueue pollers;
   * it lists a stopped worker for a few minutes after). 0: its trials stay queued.
   */
  async pollers(pool: string): Promise<number> {
    const answer = await this.client.workflowService.describeTaskQueue({
      namespace: this.client.options.namespace,
      taskQueue: { name: poolTaskQueue(pool) },
      taskQueueType: TASK_QUEUE_TYPE_ACTIVITY,
    });
    return answer.pollers?.length ?? 0;
  }

  /** The workflow's description; an unknown id is a `UsageError`. */
  async describe(sweepId: string) {
    try {
      return await this.handle(sweepId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new UsageError(`no sweep with id ${sweepId}`, { cause: error });
      }
      throw error;
    }
  }

  /** Starts no new trials (running ones finish). @example await sweeps.pause(id); */
  pause(sweepId: string): Promise<void> {
    return this.signal(sweepId, "pause");
  }

  /** Resumes a paused sweep. @example await sweeps.resume(id); */
  resume(sweepId: string): Promise<void> {
    return this.signal(sweepId, "resume");
  }

  /** Stops a sweep; running trials keep their partial curves. @example await sweeps.cancel(id); */
  cancel(sweepId: string): Promise<void> {
    return this.signal(sweepId, "cancel");
  }

  /**
   * Sends a control message; an unknown or finished sweep is a `UsageError` (one line).
   * @example await sweeps.signal(id, "pause");
   */
  async signal(sweepId: string, what: SweepControl): Promise<void> {
    const signal = {
      pause: pauseSweepSignal,
      resume: resumeSweepSignal,
      cancel: cancelSweepSignal,
    }[what];
    await this.whileRunning(sweepId, what, () => this.handle(sweepId).signal(signal));
  }

  /**
   * Changes a running sweep's `maxParallel` through the workflow's validated update; a bad
   * value (checked here and by the workflow), an unknown or a finished sweep is a `UsageError`.
   * @example await sweeps.setMaxParallel(id, 4);
   */
  async setMaxParallel(sweepId: string, value: number): Promise<void> {
    checkMaxParallel(value);
    await this.whileRunning(sweepId, "set-parallel", async () => {
      try {
        await this.handle(sweepId).executeUpdate(setMaxParallelUpdate, { args: [value] });
      } catch (error) {
        if (!(error instanceof WorkflowUpdateFailedError)) throw error;
        const why = error.cause instanceof Error ? error.cause.message : error.message;
        throw new UsageError(why, { cause: error });
      }
    });
  }

  /**
   * Follows a sweep: one `progress` event per poll while it runs, then `finished` with its
   * result; throws if the sweep workflow failed or was terminated.
   * @example for await (const e of sweeps.watch(id)) if (e.type === "progress") draw(e.progress);
   */
  watch(sweepId: string, opts: WatchOptions = {}): AsyncGenerator<SweepEvent> {
    return watchSweep(this, sweepId, opts);
  }

  /**
   * Waits for a sweep to finish and returns its result, passing every event to `onEvent`.
   * @example const result = await sweeps.wait(id, { onEvent: console.log });
   */
  async wait(
    sweepId: string,
    opts: WatchOptions & { onEvent?: (event: SweepEvent) => void } = {},
  ): Promise<SweepResult> {
    for await (const event of this.watch(sweepId, opts)) {
      opts.onEvent?.(event);
      if (event.type === "finished") return event.result;
    }
    throw new Error(`stopped following sweep ${sweepId} before it finished`);
  }

  /** Runs `send` if the sweep is running; a closed sweep (before or during) is a UsageError. */
  private async whileRunning(sweepId: string, what: string, send: () => Promise<void>) {
    const notRunning = (state: string, cause?: unknown) =>
      new UsageError(
        `sweep ${sweepId} is ${state}, not running: ${what} applies to a running sweep only`,
        { cause },
      );
    const { status } = await this.describe(sweepId);
    if (status.name !== "RUNNING") throw notRunning(stateName(status.name));
    try {
      await send();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw notRunning("finished", error);
      throw error;
    }
  }
}
