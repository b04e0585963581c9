/**
 * The benchmarks' many-trial sweep: the BMI data, one model, and a learning rate × seed grid of
 * at least `trials` trials (`seeds` seeds, as many rates as it takes), written to `dir` as JSON.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export function bmiGridSpecFile(
  dir: string,
  opts: {
    name: string;
    trials: number;
    seeds: number;
    task: "regression" | "classification";
    model: Record<string, unknown>;
    training: Record<string, unknown>;
    execution: Record<string, unknown>;
  },
): { file: string; trials: number } {
  const rates = Math.ceil(opts.trials / opts.seeds);
  const spec = {
    name: opts.name,
    dataset: {
      path: resolve("examples/data/bmi.csv"),
      features: ["Height", "Weight", "Gender"],
      target: "Index",
      task: opts.task,
      split: { random: { test: 0.3, seed: 42 } },
      standardize: true,
    },
    model: opts.model,
    training: opts.training,
    grid: {
      optimizer: ["sgd"],
      learningRate: Array.from({ length: rates }, (_, i) =>
        Number((1e-4 * (1 + i)).toPrecision(6)),
      ),
      seed: Array.from({ length: opts.seeds }, (_, i) => i + 1),
    },
    execution: opts.execution,
  };
  const file = join(dir, `${opts.name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return { file, trials: rates * opts.seeds };
}
