import type { z } from "zod";
import { appliesTo, GRID_KEYS } from "../optimizer-defaults";
import type { Distribution, GridKey, GridSpec, ParamValue, SearchSpec } from "../types";
import { isDistribution, optimizersOf } from "./space";

/** Checks of the space that span keys: sampling needs a sampler, and `when` must be able to hold. */

type Ctx = z.core.$RefinementCtx<unknown>;
type Path = Array<string | number>;

const issue = (ctx: Ctx, path: Path, message: string) =>
  ctx.addIssue({ code: "custom", path, message });

/** Keys of the grid given as distributions, in grid order. */
export function sampledKeys(grid: GridSpec): GridKey[] {
  return GRID_KEYS.filter((k) => isDistribution(grid[k]));
}

/** A distribution needs a sampler, and a sampler needs a distribution. */
export function checkSearchMethod(grid: GridSpec, search: SearchSpec | undefined, ctx: Ctx): void {
  const method = search?.method ?? "grid";
  const sampled = sampledKeys(grid);
  if (method === "grid") {
    const message =
      "is a distribution; sampling needs search: {method: random, trials: N} (or method tpe)";
    for (const key of sampled) issue(ctx, ["grid", key], message);
    for (const [name, axis] of Object.entries(grid.params ?? {})) {
      if (isDistribution(axis)) issue(ctx, ["grid", "params", name], message);
    }
  } else if (sampled.length === 0 && !Object.values(grid.params ?? {}).some(isDistribution)) {
    const message = `${method} search needs at least one distribution in grid, e.g. learningRate: {loguniform: [1e-4, 0.1]}`;
    issue(ctx, ["search", "method"], message);
  }
}

/** The values a key can take, or undefined when it is sampled from a range. */
function valuesOf(grid: GridSpec, key: GridKey): ParamValue[] | undefined {
  const axis = grid[key];
  if (axis === undefined) return undefined;
  return isDistribution(axis) ? (axis as Distribution).choice : axis;
}

/** `when` names listed or chosen values of unconditional keys, and values that can occur. */
export function checkConditions(grid: GridSpec, ctx: Ctx): void {
  for (const key of sampledKeys(grid)) {
    const when = (grid[key] as Distribution).when ?? {};
    for (const [on, wanted] of Object.entries(when) as Array<[GridKey, ParamValue[]]>) {
      const path: Path = ["grid", key, "when", on];
      const axis = grid[on];
      if (on === key) issue(ctx, path, "a setting cannot depend on itself");
      else if (on === "seed")
        issue(ctx, path, "seeds are replicates; a setting cannot depend on one");
      else if (axis === undefined)
        issue(ctx, path, `is not in the grid, so the condition could never hold`);
      else if (isDistribution(axis) && (axis as Distribution).when)
        issue(ctx, path, "is itself conditional; when may name only unconditional settings");
      else checkWanted(grid, key, on, wanted, path, ctx);
    }
  }
}

function checkWanted(
  grid: GridSpec,
  key: GridKey,
  on: GridKey,
  wanted: ParamValue[],
  path: Path,
  ctx: Ctx,
): void {
  const values = valuesOf(grid, on);
  if (values === undefined) {
    issue(ctx, path, "is sampled from a range; when may name only listed or choice settings");
    return;
  }
  wanted.forEach((value, i) => {
    if (!values.includes(value)) {
      issue(ctx, [...path, i], `never occurs: grid.${on} takes ${values.map(String).join(", ")}`);
    } else if (on === "optimizer" && !appliesTo(key, value as "sgd")) {
      issue(ctx, [...path, i], `${key} does not apply to optimizer ${String(value)}`);
    }
  });
}

/** A setting no listed (or chosen) optimizer uses is almost certainly a mistake. */
export function unusedSettings(grid: GridSpec): GridKey[] {
  const names = optimizersOf(grid);
  return GRID_KEYS.filter(
    (key) => grid[key] !== undefined && !names.some((name) => appliesTo(key, name)),
  );
}
