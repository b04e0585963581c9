import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, type PreparedData, trainTrial } from "../../../training";
import { curves, loadBmi, smallMlp } from "./fixtures";

let data: PreparedData;
beforeAll(async () => {
  await initBackend("wasm");
  data = await loadBmi();
});

const mlp = (extra: { dropout?: number; l2?: number }) =>
  smallMlp({
    epochs: 4,
    opt: { name: "sgd", learningRate: 0.01 },
    model: { type: "mlp", hidden: [16, 8], activation: "relu", ...extra },
  });

describe("MLP dropout and L2", () => {
  it("change the curves, reproducibly, and a rate of 0 changes nothing", async () => {
    const plain = curves((await trainTrial({ trial: mlp({}), data })).records);
    const zero = curves((await trainTrial({ trial: mlp({ dropout: 0, l2: 0 }), data })).records);
    expect(zero).toEqual(plain);
    const dropped = curves((await trainTrial({ trial: mlp({ dropout: 0.3 }), data })).records);
    const again = curves((await trainTrial({ trial: mlp({ dropout: 0.3 }), data })).records);
    expect(dropped).toEqual(again);
    expect(dropped).not.toEqual(plain);
    // The L2 penalty is part of the loss (as in Keras), so a large factor raises it.
    const l2 = curves((await trainTrial({ trial: mlp({ l2: 0.1 }), data })).records);
    expect(l2[0]!.trainLoss).toBeGreaterThan(plain[0]!.trainLoss);
  });
});
