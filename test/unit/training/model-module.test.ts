import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleModelModule, type CodeBundle } from "../../../client";
import { checkModelCode } from "../../../client/model-code";
import { ModelModuleError } from "../../../errors";
import type { TrialConfig } from "../../../spec/types";
import { parseCodeKey } from "../../../storage/keys";
import {
  initBackend,
  loadModelCode,
  type ModelCode,
  type PreparedData,
  sha256Of,
  trainTrial,
} from "../../../training";
import { curves, loadBmi, smallMlp } from "./fixtures";

const EXAMPLE = resolve("examples/models/conv-bars.ts");

let dir: string;
let data: PreparedData;

/** Writes a module into the temp folder and bundles it. */
async function bundled(name: string, source: string): Promise<CodeBundle> {
  const path = join(dir, name);
  await writeFile(path, source);
  return bundleModelModule(path);
}

const load = (b: CodeBundle): ModelCode => {
  const key = parseCodeKey(b.key)!;
  return loadModelCode(b.bytes, { sha256: key.sha256, name: key.fileName });
};

const DENSE = `
import * as tf from "@tensorflow/tfjs";
export default function build({ params, inputShape, outputUnits }) {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: Number(params.width ?? 8), activation: "relu", inputShape }));
  model.add(tf.layers.dropout({ rate: 0.2 }));
  model.add(tf.layers.dense({ units: outputUnits }));
  return model;
}
`;

function moduleTrial(over: Partial<TrialConfig> = {}): TrialConfig {
  return smallMlp({
    model: { type: "module", module: "s3://code/x/dense.js.cjs" },
    opt: { name: "adam", learningRate: 0.01 },
    epochs: 6,
    params: { width: 8 },
    ...over,
  });
}

beforeAll(async () => {
  await initBackend("wasm");
  dir = await mkdtemp(join(tmpdir(), "hypersweep-modules-"));
  data = await loadBmi();
});

describe("bundling a model module", () => {
  it("bundles the module and the files it imports, leaving TensorFlow.js to the worker", async () => {
    const b = await bundleModelModule(EXAMPLE);
    const text = new TextDecoder().decode(b.bytes);
    expect(text).toContain("squareSide"); // from ./image-shape.ts, the user's own file
    expect(text).toContain('require("@tensorflow/tfjs")');
    expect(b.bytes.length).toBeLessThan(20_000); // no copy of tfjs inside
    expect(b.sha256).toBe(sha256Of(b.bytes));
    expect(b.key).toBe(`code/${b.sha256}/conv-bars.ts.cjs`);
  });

  it("gives the same bytes wherever the folder lives, and other bytes for other code", async () => {
    const copy = await mkdtemp(join(tmpdir(), "hypersweep-modules-copy-"));
    await cp(resolve("examples/models"), join(copy, "examples/models"), { recursive: true });
    await cp(resolve("training"), join(copy, "training"), { recursive: true });
    // tsconfig.json (strict mode) and package.json (ESM or CommonJS) shape the output too.
    for (const f of ["tsconfig.json", "package.json"]) await cp(resolve(f), join(copy, f));
    const here = await bundleModelModule(EXAMPLE);
    const there = await bundleModelModule(join(copy, "examples/models/conv-bars.ts"));
    expect(there.sha256).toBe(here.sha256);
    await writeFile(
      join(copy, "examples/models/image-shape.ts"),
      "export const squareSide = () => 6;\n",
    );
    const changed = await bundleModelModule(join(copy, "examples/models/conv-bars.ts"));
    expect(changed.sha256).not.toBe(here.sha256);
  });

  it("names the module and the place of a syntax error or a missing import", async () => {
    await expect(bundled("broken.ts", "export function buildModel( {\n")).rejects.toThrow(
      /model module broken\.ts: cannot bundle: .*\(broken\.ts:\d+\)/,
    );
    await expect(
      bundled("missing.ts", 'import { x } from "./nowhere";\nexport default x;\n'),
    ).rejects.toThrow(/model module missing\.ts: cannot bundle: Could not resolve "\.\/nowhere"/);
    await expect(bundleModelModule(join(dir, "absent.ts"))).rejects.toThrow(
      /cannot read .*absent\.ts/,
    );
  });
});

describe("loading a bundle", () => {
  it("refuses bytes that do not match the hash in their key", async () => {
    const b = await bundled("dense.js", DENSE);
    const tampered = new Uint8Array(b.bytes);
    tampered[tampered.length - 2] = 32;
    const key = parseCodeKey(b.key)!;
    expect(() => loadModelCode(tampered, { sha256: key.sha256, name: key.fileName })).toThrow(
      /model module dense\.js: the bundle in the bucket does not match its hash/,
    );
  });

  it("binds @tensorflow/tfjs to the worker's instance and finds the builder", async () => {
    const code = load(await bundled("dense.js", DENSE));
    expect(code.name).toBe("dense.js");
    const model = await code.build({ params: {}, inputShape: [3], outputUnits: 6 } as never);
    expect(model).toBeInstanceOf(tf.LayersModel);
    model.dispose();
  });

  it("names what is wrong with the exports", async () => {
    const none = await bundled("none.ts", "export const width = 3;\n");
    expect(() => load(none)).toThrow(
      "model module none.ts: exports no buildModel function (nor a default export function); it exports width",
    );
    const node = await bundled(
      "node.ts",
      'import "@tensorflow/tfjs-node";\nexport default () => 1;\n',
    );
    expect(() => load(node)).toThrow(/model module node\.ts: imports @tensorflow\/tfjs-node; only/);
    const metric = await bundled(
      "metric.ts",
      "export default () => 1;\nexport const metric = 3;\n",
    );
    expect(() => load(metric)).toThrow("model module metric.ts: export metric must be a function");
  });
});

describe("validating the model a module builds", () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      "throws.ts",
      'export default () => { throw new Error("width must be even"); };',
      /buildModel threw: width must be even/,
    ],
    [
      "object.ts",
      "export default () => ({ layers: [] });",
      /buildModel returned a plain object, not a tf\.LayersModel/,
    ],
    [
      "input.ts",
      'import * as tf from "@tensorflow/tfjs";\nexport default () => tf.sequential({ layers: [tf.layers.dense({ units: 6, inputShape: [5] })] });',
      /the model takes input shape \[null, 5\], but each data row has 3 features: \[null, 3\]/,
    ],
    [
      "output.ts",
      'import * as tf from "@tensorflow/tfjs";\nexport default ({ inputShape }) => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape })] });',
      /the model outputs shape \[null, 2\], but the data needs \[null, 6\] \(6 classes\)/,
    ],
  ];
  for (const [name, source, message] of cases) {
    it(`${name}: a ModelModuleError naming the module`, async () => {
      const code = await bundled(name, source);
      const error = await checkModelCode(code, moduleTrial(), data).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelModuleError);
      expect((error as Error).message).toMatch(
        new RegExp(`^model module ${name.replace(".", "\\.")}: `),
      );
      expect((error as Error).message).toMatch(message);
    });
  }

  it("leaves no tensors behind when a model is refused", async () => {
    const code = await bundled("output.ts", cases[3]![1]);
    const before = tf.memory().numTensors;
    await checkModelCode(code, moduleTrial(), data).catch(() => undefined);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("training a module model", () => {
  it("is deterministic from the seed, dropout included, and differs across seeds", async () => {
    const code = load(await bundled("dense.js", DENSE));
    const a = await trainTrial({ trial: moduleTrial(), data, modelCode: code });
    const b = await trainTrial({ trial: moduleTrial(), data, modelCode: code });
    const c = await trainTrial({ trial: moduleTrial({ seed: 2 }), data, modelCode: code });
    expect(a.status).toBe("completed");
    expect(a.records).toHaveLength(6);
    expect(curves(b.records)).toEqual(curves(a.records));
    expect(curves(c.records)).not.toEqual(curves(a.records));
    expect(a.records.at(-1)!.trainLoss).toBeLessThan(a.records[0]!.trainLoss);
  });

  it("resumes from a checkpoint to the same curves, and keeps the tensor count flat", async () => {
    const code = load(await bundled("dense.js", DENSE));
    const trial = moduleTrial();
    const saved = new Map<number, Uint8Array>();
    const before = tf.memory().numTensors;
    const full = await trainTrial({
      trial,
      data,
      modelCode: code,
      checkpointEvery: 2,
      onCheckpoint: async (bytes, epoch) => void saved.set(epoch, bytes),
    });
    expect(tf.memory().numTensors).toBe(before);
    const resumed = await trainTrial({ trial, data, modelCode: code, resumeFrom: saved.get(4)! });
    expect(resumed.resumedFromEpoch).toBe(4);
    expect(curves(resumed.records)).toEqual(curves(full.records));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("uses the module's metric export for the curves' metric", async () => {
    const source = `${DENSE}\nexport function metric(yTrue, yPred) { return tf.mean(tf.abs(tf.sub(yTrue, tf.softmax(yPred)))); }\n`;
    const code = load(await bundled("with-metric.js", source));
    const r = await trainTrial({ trial: moduleTrial({ epochs: 2 }), data, modelCode: code });
    for (const rec of r.records) {
      expect(rec.valMetric).toBeGreaterThan(0);
      expect(rec.valMetric).toBeLessThan(0.34); // a mean absolute error of probabilities, not an accuracy
    }
  });

  it("a layer that fails while training is the module's error, not retried", async () => {
    const source = `import * as tf from "@tensorflow/tfjs";
class Bad extends tf.layers.Layer { call() { throw new Error("bad layer"); } static get className() { return "Bad"; } }
export default ({ inputShape, outputUnits }) => {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: outputUnits, inputShape }));
  m.add(new Bad({}));
  return m;
};`;
    const code = load(await bundled("bad-layer.js", source));
    const error = await trainTrial({ trial: moduleTrial(), data, modelCode: code }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelModuleError);
    expect((error as Error).message).toMatch(/^model module bad-layer\.js: /);
  });
});
