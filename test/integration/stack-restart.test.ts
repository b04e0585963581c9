import { randomUUID } from "node:crypto";
import { Client, Connection } from "@temporalio/client";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config";
import { s3Client, stackStatus, startService, stopService } from "../../infra/stack";
import { isPortInUse } from "../../infra/stack/ports";
import { smokeWorkflow } from "./fixtures/smoke-workflows";

const config = loadConfig();

async function health(name: string): Promise<boolean | undefined> {
  return (await stackStatus(config)).find((s) => s.name === name)?.healthy;
}

describe("stopping and starting one server (what failure tests rely on)", () => {
  it("restarts Temporal on the same SQLite file: a started workflow survives", async () => {
    const workflowId = `restart-${randomUUID()}`;
    let connection = await Connection.connect({ address: config.temporal.address });
    // Nobody polls this task queue: the workflow just stays open across the restart.
    await new Client({ connection }).workflow.start(smokeWorkflow, {
      taskQueue: `nobody-${workflowId}`,
      workflowId,
      args: ["restart"],
    });
    await connection.close();

    const stopped = await stopService(config, "temporal");
    expect(stopped.stoppedPid).toBeTypeOf("number");
    expect(await isPortInUse(config.temporal.port)).toBe(false);
    expect(await health("temporal")).toBe(false);
    const restarted = await startService(config, "temporal");
    expect(restarted.healthy).toBe(true);
    expect(restarted.pid).not.toBe(stopped.stoppedPid);

    connection = await Connection.connect({ address: config.temporal.address });
    try {
      const handle = new Client({ connection }).workflow.getHandle(workflowId);
      expect((await handle.describe()).status.name).toBe("RUNNING");
      await handle.terminate("restart test done");
    } finally {
      await connection.close();
    }
  });

  it("restarts MinIO with the same data folder and credentials", async () => {
    const key = `restart/${randomUUID()}.txt`;
    await s3Client(config.s3).putObject(config.s3.bucket, key, "kept across a restart");
    await stopService(config, "minio");
    expect(await health("minio")).toBe(false);
    await startService(config, "minio");
    const s3 = s3Client(config.s3);
    const stat = await s3.statObject(config.s3.bucket, key);
    expect(stat.size).toBe("kept across a restart".length);
    await s3.removeObject(config.s3.bucket, key);
  });
});
