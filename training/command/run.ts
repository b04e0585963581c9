import { type ChildProcess, spawn } from "node:child_process";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { CommandError, TransientError } from "../../errors";
import type { EpochRecord } from "../../spec/types";
import { isProtocolLine, ProtocolError, type ProtocolEvent, parseProtocolLine } from "./protocol";

/** One command trial's process: start it, read its protocol, stop it. Free of Temporal and storage. */

export interface CommandRunOptions {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Read protocol lines from this file instead of stdout. */
  metricsFile?: string;
  /** The epoch the process resumes after (0 for a fresh start). */
  startEpoch: number;
  epochs: number;
  reportTimeoutMs: number;
  killGraceMs: number;
  /** Aborting stops the process (SIGTERM, SIGKILL after the grace) and the run ends `cancelled`. */
  signal: AbortSignal;
  onEpoch: (record: EpochRecord) => void | Promise<void>;
  /** The process saved `path` (in its checkpoint folder) as of `epoch`. */
  onCheckpoint: (path: string, epoch: number) => Promise<void>;
  /** Called every few seconds while the process runs (the activity heartbeats). */
  onAlive?: () => void;
}

export interface CommandRunResult {
  status: "completed" | "diverged" | "cancelled";
  /** The epochs this run reported (after `startEpoch`). */
  records: EpochRecord[];
  divergedAtEpoch?: number;
}

const TAIL_BYTES = 2000;

/** The last lines of a stream, bounded, for error messages. */
class Tail {
  #text = "";
  add(chunk: string) {
    this.#text = (this.#text + chunk).slice(-TAIL_BYTES * 2);
  }
  toString() {
    const text = this.#text.trimEnd();
    return text.length > TAIL_BYTES ? `...${text.slice(-TAIL_BYTES)}` : text;
  }
}

type Stop = { reason: "cancel" | "diverged" | "timeout" | "error"; error?: Error };

/** Runs the process to its end; throws `CommandError` for what the user's code did wrong. */
export async function runCommand(opts: CommandRunOptions): Promise<CommandRunResult> {
  const shown = opts.argv.join(" ");
  const child = spawn(opts.argv[0]!, opts.argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env,
    // Its own process group, so stopping it stops what it started too.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run = new Run(opts, child, shown);
  return run.wait();
}

class Run {
  readonly records: EpochRecord[] = [];
  readonly stderr = new Tail();
  #last: number;
  #lastAt = performance.now();
  #stop: Stop | undefined;
  #queue: Promise<void> = Promise.resolve();
  #timers: NodeJS.Timeout[] = [];
  #report: NodeJS.Timeout | undefined;
  #spawnError: NodeJS.ErrnoException | undefined;

  constructor(
    readonly opts: CommandRunOptions,
    readonly child: ChildProcess,
    readonly shown: string,
  ) {
    this.#last = opts.startEpoch;
    child.on("error", (error: NodeJS.ErrnoException) => {
      this.#spawnError = error;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => this.stderr.add(d));
    const stdout = createInterface({ input: child.stdout!, crlfDelay: Number.POSITIVE_INFINITY });
    let line = 0;
    stdout.on("line", (text) => {
      line++;
      if (!opts.metricsFile) this.#enqueue(text, line);
    });
    this.#armReportTimer();
    if (opts.onAlive) this.#timers.push(setInterval(opts.onAlive, 2000));
    const onAbort = () => this.#halt({ reason: "cancel" });
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener("abort", onAbort, { once: true });
  }

  async wait(): Promise<CommandRunResult> {
    const tailer = this.opts.metricsFile ? this.#tailFile(this.opts.metricsFile) : undefined;
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve) => {
        this.child.once("close", (code, signal) => resolve({ code, signal }));
        // A process that never started may not emit close.
        this.child.once("error", () => {
          if (this.child.pid === undefined) resolve({ code: null, signal: null });
        });
      },
    );
    await tailer?.finish();
    for (const t of this.#timers) clearInterval(t);
    clearTimeout(this.#report);
    await this.#queue;
    return this.#outcome(exit.code, exit.signal);
  }

  #outcome(code: number | null, signal: NodeJS.Signals | null): CommandRunResult {
    const stop = this.#stop;
    const at = `at epoch ${this.#last} of ${this.opts.epochs}`;
    if (this.#spawnError) throw this.#spawnFailure(this.#spawnError);
    if (stop?.reason === "error" || stop?.reason === "timeout") throw stop.error;
    if (stop?.reason === "cancel") return { status: "cancelled", records: this.records };
    if (stop?.reason === "diverged") {
      return { status: "diverged", records: this.records, divergedAtEpoch: this.#last };
    }
    const tail = this.#stderrNote();
    if (signal !== null) {
      throw new TransientError(
        `${this.shown} was killed by ${signal} ${at} (out of memory?)${tail}`,
      );
    }
    if (code !== 0) throw new CommandError(`${this.shown} exited with code ${code} ${at}${tail}`);
    if (this.#last < this.opts.epochs) {
      throw new CommandError(
        `${this.shown} exited (code 0) after reporting epoch ${this.#last} of ${this.opts.epochs}: report every epoch as a JSON line (see "Command trials" in spec/README.md)${tail}`,
      );
    }
    return { status: "completed", records: this.records };
  }

  #stderrNote(): string {
    const tail = this.stderr.toString();
    return tail ? `; stderr ends:\n${tail}` : "";
  }

  #spawnFailure(error: NodeJS.ErrnoException): CommandError {
    const program = this.opts.argv[0];
    const why =
      error.code === "ENOENT"
        ? `${program} was not found (not on the worker's PATH, nor in the code folder)`
        : error.code === "EACCES"
          ? `${program} is not executable`
          : `${program} could not start (${error.code ?? error.message})`;
    return new CommandError(`trainable.command ${JSON.stringify(this.opts.argv)}: ${why}`, {
      cause: error,
    });
  }

  #enqueue(text: string, line: number) {
    if (!isProtocolLine(text)) return;
    this.#queue = this.#queue.then(() => this.#handle(text, line));
  }

  async #handle(text: string, line: number) {
    if (this.#stop && this.#stop.reason !== "cancel") return;
    let events: ProtocolEvent[];
    try {
      events = parseProtocolLine(text, line);
      this.#armReportTimer();
      for (const event of events) await this.#apply(event, line, text);
    } catch (error) {
      const where = this.opts.metricsFile ? `metrics file` : "stdout";
      const message =
        error instanceof ProtocolError
          ? `${this.shown}: malformed protocol line on ${where}, ${error.message}`
          : (error as Error).message;
      const wrapped =
        error instanceof ProtocolError || error instanceof CommandError
          ? new CommandError(message, { cause: error })
          : (error as Error);
      this.#halt({ reason: "error", error: wrapped });
    }
  }

  async #apply(event: ProtocolEvent, line: number, text: string) {
    if (event.kind === "checkpoint") {
      if (this.#last === 0)
        throw new ProtocolError(line, text, "a checkpoint before the first epoch");
      await this.opts.onCheckpoint(event.path, this.#last);
      return;
    }
    const { record } = event;
    const expected = this.#last + 1;
    if (record.epoch !== expected || record.epoch > this.opts.epochs) {
      const why =
        record.epoch > this.opts.epochs
          ? `epoch ${record.epoch} is past the trial's ${this.opts.epochs} epochs`
          : `epoch ${record.epoch} where epoch ${expected} was due (each epoch once, in order, from HYPERSWEEP_RESUME_EPOCH + 1)`;
      throw new ProtocolError(line, text, why);
    }
    const now = performance.now();
    if (!event.timed) record.seconds = (now - this.#lastAt) / 1000;
    this.#lastAt = now;
    this.#last = record.epoch;
    this.records.push(record);
    await this.opts.onEpoch(record);
    if (!event.finite) this.#halt({ reason: "diverged" });
  }

  #armReportTimer() {
    clearTimeout(this.#report);
    this.#report = setTimeout(() => {
      const seconds = Math.round(this.opts.reportTimeoutMs / 1000);
      const error = new CommandError(
        `${this.shown} reported nothing for ${seconds} s after epoch ${this.#last} (trainable.reportTimeoutSeconds); it was stopped${this.#stderrNote()}`,
      );
      this.#halt({ reason: "timeout", error });
    }, this.opts.reportTimeoutMs);
  }

  /** Stops the process once, for the first reason: SIGTERM, then SIGKILL after the grace. */
  #halt(stop: Stop) {
    if (this.#stop) return;
    this.#stop = stop;
    clearTimeout(this.#report);
    this.#signal("SIGTERM");
    const kill = setTimeout(() => this.#signal("SIGKILL"), this.opts.killGraceMs);
    kill.unref();
    this.child.once("close", () => clearTimeout(kill));
  }

  #signal(signal: NodeJS.Signals) {
    if (this.child.pid === undefined || this.child.exitCode !== null) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      this.child.kill(signal);
    }
  }

  /** Follows the metrics file as it grows; `finish` reads what is left once the process exited. */
  #tailFile(path: string) {
    let offset = 0;
    let pending = "";
    let line = 0;
    let busy: Promise<void> = Promise.resolve();
    const read = async () => {
      const handle = await open(path, "r").catch(() => undefined);
      if (!handle) return;
      try {
        const { size } = await handle.stat();
        if (size <= offset) return;
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        offset = size;
        pending += buffer.toString("utf8");
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const text of lines) this.#enqueue(text, ++line);
      } finally {
        await handle.close();
      }
    };
    const timer = setInterval(() => {
      busy = busy.then(read);
    }, 200);
    this.#timers.push(timer);
    return {
      finish: async () => {
        clearInterval(timer);
        await busy;
        await read();
        if (pending.trim()) this.#enqueue(pending, ++line);
      },
    };
  }
}
