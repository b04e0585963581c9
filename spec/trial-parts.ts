import { canonicalJson } from "./canonical";
import { hiddenWidthsOf } from "./fields";
import { GRID_KEYS, MLP_KEYS } from "./optimizer-defaults";
import type { Activation, GridSpec, ModelConfig, ParamValue, SweepSpec } from "./types";

/** What a trial's params resolve to beyond its optimizer: model, epochs, batch size, free params. */

/** The order of a trial's params: grid keys, then free parameters, seed last (it varies fastest). */
export function paramOrder(grid: Pick<GridSpec, "params">): string[] {
  const free = Object.keys(grid.params ?? {});
  return [...GRID_KEYS.filter((k) => k !== "seed"), ...free, "seed"];
}

/** The free parameter names of a grid (they are trial params like grid keys). */
export const freeNamesOf = (grid: Pick<GridSpec, "params">): string[] =>
  Object.keys(grid.params ?? {});

/**
 * The model a trial trains: the spec's, with the trial's hidden/activation/dropout/l2. A dropout
 * or l2 of 0 is left out, so it is the same trial (and id) as not giving it.
 */
export function modelOf(model: ModelConfig, params: Record<string, ParamValue>): ModelConfig {
  if (model.type !== "mlp") return model;
  if (!MLP_KEYS.some((k) => params[k] !== undefined) && !model.dropout && !model.l2) return model;
  const hidden = params.hidden;
  const out: ModelConfig = {
    ...model,
    ...(hidden !== undefined ? { hidden: hiddenWidthsOf(String(hidden)) } : {}),
    ...(params.activation !== undefined ? { activation: params.activation as Activation } : {}),
  };
  for (const key of ["dropout", "l2"] as const) {
    const value = (params[key] as number | undefined) ?? model[key];
    if (value) out[key] = value;
    else delete out[key];
  }
  return out;
}

/** Shares one model object per distinct model (configs are read-only), as expansion did before. */
export function modelCache(
  model: ModelConfig,
): (params: Record<string, ParamValue>) => ModelConfig {
  const seen = new Map<string, ModelConfig>();
  return (params) => {
    const resolved = modelOf(model, params);
    if (resolved === model) return model;
    const key = canonicalJson(resolved);
    const known = seen.get(key);
    if (known) return known;
    seen.set(key, resolved);
    return resolved;
  };
}

/** The trial's free parameters: the fixed ones under its grid values; undefined when none. */
export function freeParamsOf(
  spec: Pick<SweepSpec, "params" | "grid">,
  params: Record<string, ParamValue>,
): Record<string, ParamValue> | undefined {
  const out: Record<string, ParamValue> = { ...(spec.params ?? {}) };
  for (const name of freeNamesOf(spec.grid)) {
    const value = params[name];
    if (value !== undefined) out[name] = value;
  }
  return Object.keys(out).length ? out : undefined;
}
