import { fileURLToPath } from "node:url";
import { prepareSpec } from "../../client";
import { parseSpec, type SweepSpec, sweepIdFor, withSeeds } from "../../spec";
import { loadSpecFile } from "../../spec/file";
import type { ArtifactStore } from "../../storage/store";

/** The four seed experiments of SEED-EXPERIMENTS.md, in the order the demo reports them. */
export const SEED_FILES = [
  "01-linear-lr.yaml",
  "02-mlp-lr.yaml",
  "03-momentum.yaml",
  "04-optimizers.yaml",
];

const SEED_DIR = fileURLToPath(new URL("../../examples/seed/", import.meta.url));

/** The pool the demo's own training processes poll. */
export const DEMO_POOL = "cpu";

export interface DemoOptions {
  epochs?: number;
  seeds?: number[];
  /** Appended to every sweep name: new sweep ids, so nothing is reused. */
  suffix?: string;
}

export interface Experiment {
  file: string;
  sweepId: string;
  spec: SweepSpec;
}

/** `epochs` overridden; a checkpoint interval beyond it shrinks to it (the specs use 25). */
export function trainingWith(training: SweepSpec["training"], epochs?: number) {
  if (!epochs) return training;
  return { ...training, epochs, checkpointEvery: Math.min(training.checkpointEvery, epochs) };
}

/** A seed spec with the demo's overrides. */
export function customise(spec: SweepSpec, opts: DemoOptions): SweepSpec {
  const patched = parseSpec({
    ...spec,
    name: opts.suffix ? `${spec.name}-${opts.suffix}` : spec.name,
    training: trainingWith(spec.training, opts.epochs),
    execution: { ...spec.execution, pool: DEMO_POOL },
  });
  return opts.seeds ? withSeeds(patched, opts.seeds) : patched;
}

/**
 * Loads the seed specs with the demo's overrides and prepares each exactly as `run` does
 * (dataset resolved, validated, uploaded), so the sweep ids match a plain `hypersweep run`.
 */
export async function prepareExperiments(
  store: ArtifactStore,
  opts: DemoOptions,
): Promise<Experiment[]> {
  const out: Experiment[] = [];
  for (const file of SEED_FILES) {
    const { spec, dir } = await loadSpecFile(`${SEED_DIR}${file}`);
    const prepared = await prepareSpec(store, customise(spec, opts), dir);
    out.push({ file, spec: prepared.spec, sweepId: sweepIdFor(prepared.spec) });
  }
  return out;
}
