import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { historyFromJSON } from "@temporalio/common/lib/proto-utils";
import { Worker } from "@temporalio/worker";
import { describe, expect, it } from "vitest";
import { WORKFLOWS_PATH } from "../../workers/sweep-worker";

const DIR = resolve("test/replay/histories");

// Histories recorded from real sweeps (pause/resume/cancel, a killed worker, a Temporal restart,
// continue-as-new) must replay against the current workflow code: a non-deterministic change
// fails here instead of failing in-flight sweeps.
describe("replay of recorded sweep histories", () => {
  it("replays every recorded history without nondeterminism", async () => {
    const files = (await readdir(DIR)).filter((f) => f.endsWith(".json")).sort();
    expect(files.length).toBeGreaterThanOrEqual(4);
    const histories = await Promise.all(
      files.map(async (f) => ({
        workflowId: f,
        history: historyFromJSON(JSON.parse(await readFile(join(DIR, f), "utf8"))),
      })),
    );
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowsPath: WORKFLOWS_PATH },
      histories,
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  }, 180_000);
});
