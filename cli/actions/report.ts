import type { Command } from "commander";
import { writeSweepReport } from "../../client";
import { ArtifactStore } from "../../storage/store";
import { configFrom } from "../context";

export interface ReportFlags {
  out: string;
  groupBy?: string;
}

/** `report ID --out DIR`: writes DIR/index.html and uploads it next to the sweep. */
export async function reportCommand(id: string, flags: ReportFlags, cmd: Command) {
  const store = new ArtifactStore(configFrom(cmd).s3);
  const { file, key } = await writeSweepReport(store, id, flags.out, flags.groupBy);
  process.stderr.write(`uploaded s3://${store.bucket}/${key}\n`);
  process.stdout.write(`${file}\n`);
}
