import { type Command, InvalidArgumentError } from "commander";
import type { DemoFlags } from "../actions/demo";

// Loaded when the command runs, so `--help` stays fast.
const actions = () => import("../actions/demo");

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

function seedList(v: string): number[] {
  const seeds = v.split(",").map((s) => Number(s.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new InvalidArgumentError("must be a comma-separated list of integers, e.g. 1,2,3");
  }
  return seeds;
}

/** `hypersweep demo`: stack up, the four seed experiments, leaderboards, reports, links. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "bring the local stack up, run the four seed experiments on local workers, print their leaderboards and write their reports",
    )
    .option("--fresh", "new sweep ids: retrain everything instead of reusing finished trials")
    .option("--epochs <n>", "epochs per trial (default: the specs' 200)", positiveInt)
    .option("--seeds <list>", "seeds per configuration (default: the specs' 1,2,3)", seedList)
    .option("--workers <n>", "training processes (default: one per core)", positiveInt)
    .option("--out <dir>", "folder for the reports (one sub-folder per sweep)", "report-out")
    .action(async (flags: DemoFlags, cmd: Command) => (await actions()).demo(flags, cmd));
}
