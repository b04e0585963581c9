import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs `npx biome lint` on one file; resolves its exit code and output (never rejects). */
function biomeLint(relativeFile: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["biome", "lint", "--max-diagnostics=50", relativeFile],
      { cwd: root },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** Writes a probe file under workflows/ (a unique name: others work in that folder), lints it. */
async function lintWorkflowSource(source: string, folder = "workflows") {
  const file = `${folder}/lint-fence-probe-${randomUUID()}.ts`;
  try {
    writeFileSync(`${root}${file}`, source);
    return await biomeLint(file);
  } finally {
    rmSync(`${root}${file}`, { force: true });
  }
}

describe("the workflow sandbox lint fence", () => {
  it("rejects Node built-ins, TensorFlow.js, minio and value imports from activities/", async () => {
    const { code, output } = await lintWorkflowSource(
      [
        'import { readFileSync } from "fs";',
        'import { join } from "node:path";',
        'import * as tf from "@tensorflow/tfjs";',
        'import { Client } from "minio";',
        'import { trainTrials } from "../activities";',
        "export const leaked = [readFileSync, join, tf, Client, trainTrials];",
        "",
      ].join("\n"),
    );
    expect(code).not.toBe(0);
    expect(output).toContain("lint/correctness/noNodejsModules");
    expect(output).toContain("lint/style/noRestrictedImports");
    // Each forbidden import is reported on its own line of the probe file.
    for (const line of [1, 2, 3, 4, 5]) expect(output).toMatch(new RegExp(`\\.ts:${line}:\\d+ `));
    expect(output).toContain("TensorFlow.js is native/side-effecting");
    expect(output).toContain("Workflow code runs in Temporal's deterministic sandbox");
    expect(output).toContain("Workflows import only spec/ and @temporalio/workflow");
  });

  it("accepts a workflow that imports only @temporalio/workflow", async () => {
    const { code, output } = await lintWorkflowSource(
      [
        'import { sleep } from "@temporalio/workflow";',
        "",
        "export async function probeWorkflow(): Promise<void> {",
        "  await sleep(1);",
        "}",
        "",
      ].join("\n"),
    );
    expect(output).not.toContain("noRestrictedImports");
    expect(code).toBe(0);
  });

  it("lets workflows import errors/, and fences errors/ like workflows/", async () => {
    const workflow = await lintWorkflowSource(
      ['import { UsageError } from "../errors";', "export const kinds = [UsageError];", ""].join(
        "\n",
      ),
    );
    expect(workflow.output).not.toContain("noRestrictedImports");
    expect(workflow.code).toBe(0);
    const errors = await lintWorkflowSource(
      ['import { readFileSync } from "node:fs";', "export const leaked = readFileSync;", ""].join(
        "\n",
      ),
      "errors",
    );
    expect(errors.code).not.toBe(0);
    expect(errors.output).toContain("lint/correctness/noNodejsModules");
  });
});
