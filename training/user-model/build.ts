import * as tf from "@tensorflow/tfjs";
import { ModelModuleError } from "../../errors";
import type { TrialConfig } from "../../spec/types";
import type { PreparedData } from "../data/load";
import type { Rng } from "../rng";
import { type ModelCode, type ModelContext, messageOf } from "./code";

/**
 * Runs `fn` with `Math.random` drawing from the trial's RNG. tfjs initialisers and dropout
 * layers seed themselves from `Math.random` when no seed is given, so a module's weights and
 * masks follow the trial's seed (and a resumed trial, whose RNG state is checkpointed, draws
 * what it would have drawn). Synchronous only: nothing else runs while it is patched.
 */
export function withSeededRandom<T>(rng: Rng, fn: () => T): T {
  const original = Math.random;
  Math.random = () => rng.nextFloat();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

export function contextOf(trial: TrialConfig, data: PreparedData): ModelContext {
  const classes = data.task === "classification" ? data.numClasses : undefined;
  return {
    params: trial.params ?? {},
    inputShape: [data.nFeatures],
    outputUnits: classes ?? 1,
    task: data.task,
    ...(classes !== undefined ? { numClasses: classes } : {}),
    seed: trial.seed,
    batchSize: trial.batchSize,
    epochs: trial.epochs,
    tf,
  };
}

const shapeText = (shape: ReadonlyArray<number | null>) =>
  `[${shape.map((d) => (d === null ? "null" : d)).join(", ")}]`;

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== "object") return `a ${typeof value}`;
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor && ctor !== "Object" ? `a ${ctor}` : "a plain object";
}

/** Why the model does not fit the data, or undefined when it does. */
export function fitProblem(model: tf.LayersModel, ctx: ModelContext): string | undefined {
  if (model.inputs.length !== 1) return `takes ${model.inputs.length} inputs; it must take one`;
  if (model.outputs.length !== 1) return `has ${model.outputs.length} outputs; it must have one`;
  const input = model.inputs[0]!.shape;
  const want = [null, ...ctx.inputShape];
  if (shapeText(input) !== shapeText(want))
    return `takes input shape ${shapeText(input)}, but each data row has ${ctx.inputShape[0]} features: ${shapeText(want)} (reshape inside the model)`;
  const output = model.outputs[0]!.shape;
  const what =
    ctx.task === "classification" ? `${ctx.outputUnits} classes` : "regression: one value";
  if (shapeText(output) !== shapeText([null, ctx.outputUnits]))
    return `outputs shape ${shapeText(output)}, but the data needs ${shapeText([null, ctx.outputUnits])} (${what})`;
  if (model.trainableWeights.length === 0) return "has no trainable weights";
  return undefined;
}

/**
 * Builds a trial's model with the module's builder, its weights drawn from the trial's RNG, and
 * checks it: a `tf.LayersModel` (or `tf.Sequential`) with one input of a data row's shape and
 * one output of the task's. Anything else is a `ModelModuleError` naming the module.
 */
export async function buildUserModel(
  code: ModelCode,
  trial: TrialConfig,
  data: PreparedData,
  rng: Rng,
): Promise<tf.LayersModel> {
  const ctx = contextOf(trial, data);
  const fail = (what: string, cause?: unknown) =>
    new ModelModuleError(`model module ${code.name}: ${what}`, cause ? { cause } : undefined);
  let built: unknown;
  try {
    built = await withSeededRandom(rng, () => code.build(ctx));
  } catch (error) {
    throw fail(`buildModel threw: ${messageOf(error)}`, error);
  }
  if (!(built instanceof tf.LayersModel))
    throw fail(
      `buildModel returned ${describeValue(built)}, not a tf.LayersModel (return tf.sequential() or tf.model())`,
    );
  const problem = fitProblem(built, ctx);
  if (problem) {
    built.dispose();
    throw fail(`the model ${problem}`);
  }
  return built;
}
