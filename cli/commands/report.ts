import type { Command } from "commander";
import { writeSweepReport } from "../../client";
import { ArtifactStore } from "../../storage/store";
import { configFrom } from "../context";

interface ReportFlags {
  out: string;
  groupBy?: string;
}

/** `hypersweep report ID --out DIR [--group-by PARAM]`: the self-contained HTML report. */
export function registerReportCommand(program: Command): void {
  program
    .command("report <id>")
    .description(
      "build a finished sweep's HTML report (comparison grids, leaderboard, heatmap, retries), write DIR/index.html and upload it to the bucket",
    )
    .requiredOption("--out <dir>", "folder for index.html (created if missing)")
    .option("--group-by <param>", "one panel per value of this hyper-parameter")
    .action(async (id: string, flags: ReportFlags, cmd: Command) => {
      const store = new ArtifactStore(configFrom(cmd).s3);
      const { file, key } = await writeSweepReport(store, id, flags.out, flags.groupBy);
      process.stderr.write(`uploaded s3://${store.bucket}/${key}\n`);
      process.stdout.write(`${file}\n`);
    });
}
