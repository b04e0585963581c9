import { bundleWorkflowCode } from "@temporalio/worker";
import { describe, expect, it } from "vitest";
import { WORKFLOWS_PATH } from "../../workers/sweep-worker";

// Lint and types cannot see a transitive Node import; Temporal's bundler can.
describe("workflow bundle", () => {
  it("bundles the workflow code for Temporal's sandbox", async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: quietLogger(),
    });
    expect(code).toContain("sweepWorkflow");
    expect(code.length).toBeGreaterThan(10_000);
  }, 120_000);
});

function quietLogger() {
  const noop = () => undefined;
  return {
    trace: noop,
    debug: noop,
    info: noop,
    warn: noop,
    error: (m: string) => console.error(m),
    log: noop,
  };
}
