import { describe, expect, it } from "vitest";
import {
  isProtocolLine,
  ProtocolError,
  parseProtocolLine,
} from "../../../training/command/protocol";

describe("the command trial protocol", () => {
  it("reads an epoch in Keras' names, and a checkpoint, from one line", () => {
    const events = parseProtocolLine(
      '{"epoch": 3, "loss": 0.5, "val_loss": 0.6, "accuracy": 0.8, "val_accuracy": 0.7, "checkpoint": "epoch-3"}',
      7,
    );
    expect(events).toEqual([
      {
        kind: "epoch",
        record: {
          epoch: 3,
          trainLoss: 0.5,
          valLoss: 0.6,
          trainMetric: 0.8,
          valMetric: 0.7,
          seconds: 0,
        },
        finite: true,
        timed: false,
      },
      { kind: "checkpoint", path: "epoch-3" },
    ]);
  });

  it("takes Python's bare NaN and Infinity (and null) as non-finite: divergence", () => {
    const [event] = parseProtocolLine(
      '{"epoch": 1, "train_loss": NaN, "valLoss": Infinity, "mse": -Infinity, "val_mse": null, "seconds": 2}',
      1,
    );
    expect(event).toMatchObject({ kind: "epoch", finite: false, timed: true });
    if (event?.kind !== "epoch") throw new Error("not an epoch");
    expect([event.record.trainLoss, event.record.valMetric].every(Number.isNaN)).toBe(true);
    expect(event.record.seconds).toBe(2);
  });

  it("names the line and what is wrong in a malformed one", () => {
    const problem = (text: string) => {
      try {
        parseProtocolLine(text, 12);
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
        return (error as Error).message;
      }
      throw new Error("expected a protocol error");
    };
    expect(problem('{"epoch": 1, "loss": 0.1')).toMatch(/^line 12: not valid JSON/);
    expect(problem('{"epoch": 0, "loss": 1}')).toMatch(/^line 12: "epoch" must be a whole number/);
    expect(problem('{"epoch": 2, "loss": 1}')).toMatch(
      /^line 12: epoch 2 lacks valLoss \(val_loss or valLoss\), trainMetric \(accuracy or acc\), valMetric/,
    );
    expect(problem('{"epoch": 2, "loss": "low", "val_loss": 1, "acc": 1, "val_acc": 1}')).toMatch(
      /"loss" must be a number/,
    );
    expect(problem('{"step": 2}')).toMatch(/needs "epoch" or "checkpoint"/);
    expect(problem('{"checkpoint": ""}')).toMatch(/"checkpoint" must be a path/);
    expect(problem("[1, 2]".replace("[", "{["))).toMatch(/not valid JSON/);
  });

  it("leaves ordinary output alone", () => {
    expect(isProtocolLine("Epoch 1/10 - loss 0.3")).toBe(false);
    expect(isProtocolLine('  {"epoch": 1}')).toBe(true);
  });
});
