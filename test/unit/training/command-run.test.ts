import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CommandError, TransientError } from "../../../errors";
import type { EpochRecord } from "../../../spec/types";
import { type CommandRunOptions, runCommand } from "../../../training/command/run";

const dir = mkdtempSync(join(tmpdir(), "hypersweep-command-run-"));

/** A line for epoch `e` as a script prints it. */
const line = (e: number, loss = "0.5") =>
  `{"epoch": ${e}, "loss": ${loss}, "val_loss": 0.6, "accuracy": 0.8, "val_accuracy": 0.7}`;

/** Runs a JavaScript program (node is on every machine that runs these tests) as the command. */
function run(script: string, opts: Partial<CommandRunOptions> = {}) {
  const records: EpochRecord[] = [];
  const checkpoints: Array<[string, number]> = [];
  const done = runCommand({
    argv: [process.execPath, "-e", script],
    cwd: dir,
    env: { PATH: process.env.PATH },
    startEpoch: 0,
    epochs: 3,
    reportTimeoutMs: 20_000,
    killGraceMs: 500,
    signal: new AbortController().signal,
    onEpoch: (r) => void records.push(r),
    onCheckpoint: async (path, epoch) => void checkpoints.push([path, epoch]),
    ...opts,
  });
  return { done, records, checkpoints };
}

const printAll = (lines: string[]) =>
  lines.map((l) => `console.log(${JSON.stringify(l)});`).join("");

describe("a command trial's process", () => {
  it("completes when it reports every epoch and exits 0; checkpoints carry the last epoch", async () => {
    const r = run(printAll(["hello", line(1), line(2), '{"checkpoint": "epoch-2"}', line(3)]));
    await expect(r.done).resolves.toMatchObject({ status: "completed" });
    expect(r.records.map((x) => x.epoch)).toEqual([1, 2, 3]);
    expect(r.checkpoints).toEqual([["epoch-2", 2]]);
  });

  it("resumes after startEpoch and reads the metrics file when told to", async () => {
    const file = join(dir, "metrics.jsonl");
    const script = `require("fs").writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(`${line(3)}\n`)})`;
    const r = run(script, { metricsFile: file, startEpoch: 2 });
    await expect(r.done).resolves.toMatchObject({ status: "completed" });
    expect(r.records.map((x) => x.epoch)).toEqual([3]);
  });

  it("diverges on a non-finite value and is stopped", async () => {
    const r = run(`${printAll([line(1), line(2, "NaN")])} setInterval(() => {}, 1000);`);
    await expect(r.done).resolves.toMatchObject({ status: "diverged", divergedAtEpoch: 2 });
  });

  it("a missing executable is a CommandError naming it", async () => {
    const missing = run("", { argv: ["no-such-program-hs", "train.py"] }).done;
    await expect(missing).rejects.toThrow(CommandError);
    await expect(missing).rejects.toThrow(/no-such-program-hs was not found/);
  });

  it("a non-zero exit is a CommandError with the code, the epoch and stderr's tail", async () => {
    const r = run(`${printAll([line(1)])} console.error("Traceback: boom"); process.exit(3);`);
    await expect(r.done).rejects.toThrow(CommandError);
    await expect(r.done).rejects.toThrow(
      /exited with code 3 at epoch 1 of 3; stderr ends:\nTraceback: boom/,
    );
  });

  it("exiting 0 before the last epoch is an error too", async () => {
    await expect(run(printAll([line(1)])).done).rejects.toThrow(
      /exited \(code 0\) after reporting epoch 1 of 3/,
    );
  });

  it("a malformed protocol line stops it with the line number", async () => {
    const r = run(
      `${printAll(["starting", line(1), '{"epoch": 2, "loss": 0.4'])} setInterval(() => {}, 1000);`,
    );
    await expect(r.done).rejects.toThrow(CommandError);
    await expect(r.done).rejects.toThrow(
      /malformed protocol line on stdout, line 3: not valid JSON/,
    );
  });

  it("an epoch out of order is malformed (each epoch once)", async () => {
    await expect(run(printAll([line(1), line(1)])).done).rejects.toThrow(
      /line 2: epoch 1 where epoch 2 was due/,
    );
  });

  it("a process that never reports is stopped after the report timeout", async () => {
    const r = run("setInterval(() => {}, 1000);", { reportTimeoutMs: 700 });
    await expect(r.done).rejects.toThrow(
      /reported nothing for 1 s after epoch 0 \(trainable.reportTimeoutSeconds\)/,
    );
  });

  it("on cancel gets SIGTERM, may checkpoint, and is killed after the grace if it lingers", async () => {
    const stop = new AbortController();
    const script = `process.on("SIGTERM", () => console.log(${JSON.stringify('{"checkpoint": "last"}')}));
      console.log(${JSON.stringify(line(1))}); setInterval(() => {}, 1000);`;
    const r = run(script, { signal: stop.signal, killGraceMs: 300 });
    while (r.records.length === 0) await new Promise((res) => setTimeout(res, 20));
    stop.abort();
    await expect(r.done).resolves.toMatchObject({ status: "cancelled" });
    expect(r.checkpoints).toEqual([["last", 1]]);
  });

  it("killed by a signal it was not sent: transient (retried, bounded)", async () => {
    const r = run(`${printAll([line(1)])} process.kill(process.pid, "SIGKILL");`);
    await expect(r.done).rejects.toThrow(TransientError);
    await expect(r.done).rejects.toThrow(/was killed by SIGKILL at epoch 1/);
  });
});
