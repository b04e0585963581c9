import { createHash } from "node:crypto";
import { createRequire, isBuiltin } from "node:module";
import { compileFunction } from "node:vm";
import * as tf from "@tensorflow/tfjs";
import { ModelModuleError } from "../../errors";
import type { ParamValue, Task } from "../../spec/types";

/** What a model module's builder receives: the trial's parameters and the data's shapes. */
export interface ModelContext {
  /** The trial's free parameters (`params:` and `grid.params` in the spec); `{}` when none. */
  params: Record<string, ParamValue>;
  /** One row's shape: `[nFeatures]` (reshape inside the model for images). */
  inputShape: number[];
  /** Units of the output layer: numClasses for classification, 1 for regression. */
  outputUnits: number;
  task: Task;
  numClasses?: number;
  seed: number;
  batchSize: number;
  epochs: number;
  /** The worker's TensorFlow.js, the same instance `import * as tf from "@tensorflow/tfjs"` gives. */
  tf: typeof tf;
}

export type ModelBuilder = (ctx: ModelContext) => tf.LayersModel | Promise<tf.LayersModel>;

/** A custom metric replacing accuracy (classification) or MSE (regression) in the curves. */
export type MetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** A loaded model module: its builder and optional exports, under the name users know it by. */
export interface ModelCode {
  /** The user's file name (`my-net.ts`), for messages. */
  name: string;
  build: ModelBuilder;
  metric?: MetricFn;
}

/** The packages a bundle leaves external: all resolve to the worker's own tfjs. */
export const TFJS_PACKAGES = [
  "@tensorflow/tfjs",
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-layers",
];

const nodeRequire = createRequire(import.meta.url);

function requireFor(name: string) {
  return (id: string): unknown => {
    if (TFJS_PACKAGES.includes(id)) return tf;
    if (id.startsWith("@tensorflow/"))
      throw new ModelModuleError(
        `model module ${name}: imports ${id}; only ${TFJS_PACKAGES.join(", ")} are provided (the worker's own TensorFlow.js)`,
      );
    if (isBuiltin(id)) return nodeRequire(id);
    throw new ModelModuleError(`model module ${name}: requires ${id}, which is not in its bundle`);
  };
}

/** The exports of a CommonJS bundle, run with `@tensorflow/tfjs` bound to the worker's tfjs. */
export function evaluateBundle(code: string, name: string, filename = name): ModelCode {
  const module = { exports: {} as Record<string, unknown> };
  try {
    const fn = compileFunction(code, ["module", "exports", "require"], { filename });
    fn(module, module.exports, requireFor(name));
  } catch (error) {
    if (error instanceof ModelModuleError) throw error;
    throw new ModelModuleError(`model module ${name}: failed to load: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return codeOf(module.exports, name);
}

/** The builder (`buildModel`, else the default export) and the optional `metric` export. */
function codeOf(exported: unknown, name: string): ModelCode {
  const ns = (exported ?? {}) as Record<string, unknown>;
  const build = typeof exported === "function" ? exported : (ns.buildModel ?? ns.default);
  if (typeof build !== "function") {
    const names = Object.keys(ns).filter((k) => k !== "__esModule");
    throw new ModelModuleError(
      `model module ${name}: exports no buildModel function (nor a default export function); it exports ${names.length ? names.join(", ") : "nothing"}`,
    );
  }
  if (ns.metric !== undefined && typeof ns.metric !== "function")
    throw new ModelModuleError(`model module ${name}: export metric must be a function`);
  return {
    name,
    build: build as ModelBuilder,
    ...(typeof ns.metric === "function" ? { metric: ns.metric as MetricFn } : {}),
  };
}

export const sha256Of = (bytes: Uint8Array): string =>
  createHash("sha256").update(bytes).digest("hex");

/**
 * Verifies a bundle's bytes against the hash its key names, then loads it. A mismatch (a
 * corrupted or replaced object) is never run.
 */
export function loadModelCode(bytes: Uint8Array, expected: { sha256: string; name: string }) {
  const actual = sha256Of(bytes);
  if (actual !== expected.sha256)
    throw new ModelModuleError(
      `model module ${expected.name}: the bundle in the bucket does not match its hash (expected ${expected.sha256.slice(0, 12)}…, got ${actual.slice(0, 12)}…); run the sweep again to upload it`,
    );
  const filename = `code/${expected.sha256}/${expected.name}.cjs`;
  return evaluateBundle(new TextDecoder().decode(bytes), expected.name, filename);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
