import type { Command } from "commander";
import type { ReportFlags } from "../actions/report";

// Loaded when the command runs, so `--help` stays fast.
const actions = () => import("../actions/report");

/** `hypersweep report ID --out DIR [--group-by PARAM]`: the self-contained HTML report. */
export function registerReportCommand(program: Command): void {
  program
    .command("report <id>")
    .description(
      "build a sweep's HTML report (partial while it runs: comparison grids, leaderboard, heatmap, retries), write DIR/index.html and upload it to the bucket",
    )
    .requiredOption("--out <dir>", "folder for index.html (created if missing)")
    .option("--group-by <param>", "one panel per value of this hyper-parameter")
    .action(async (id: string, flags: ReportFlags, cmd: Command) =>
      (await actions()).reportCommand(id, flags, cmd),
    );
}
