import type { Command } from "commander";
import { writeSweepReport } from "../../client";
import { ArtifactStore } from "../../storage/store";
import { configFrom } from "../context";
import { lookupForBucket } from "./lookup";

export interface ReportFlags {
  out: string;
  groupBy?: string;
}

/** `report ID --out DIR`: writes DIR/index.html and uploads it next to the sweep. */
export async function reportCommand(ref: string, flags: ReportFlags, cmd: Command) {
  const config = configFrom(cmd);
  const store = new ArtifactStore(config.s3);
  const { sweepId: id, running } = await lookupForBucket(config, ref);
  const { file, key } = await writeSweepReport(store, id, flags.out, flags.groupBy, {
    partial: running,
  });
  if (running) process.stderr.write(`sweep ${id} is still running: partial report\n`);
  process.stderr.write(`uploaded s3://${store.bucket}/${key}\n`);
  process.stdout.write(`${file}\n`);
}
