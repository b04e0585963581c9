import { describe, expect, it } from "vitest";
import { createWorkerMetrics, startMetricsServer } from "../../../metrics";

describe("metrics server", () => {
  it("serves /metrics in the Prometheus text format on an ephemeral port", async () => {
    const metrics = createWorkerMetrics({ pool: "cpu", worker: "w1", processMetrics: false });
    metrics.setSlots(0, 2);
    const server = await startMetricsServer({ registry: metrics.registry, port: 0 });
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await res.text()).toContain('hypersweep_worker_slots{pool="cpu",worker="w1"} 2');
      expect((await fetch(new URL("/nope", server.url))).status).toBe(404);
      expect((await fetch(server.url, { method: "POST" })).status).toBe(405);
    } finally {
      await server.close();
      metrics.stop();
    }
  });

  it("fails clearly when the port is taken", async () => {
    const metrics = createWorkerMetrics({ pool: "cpu", worker: "w1", processMetrics: false });
    const first = await startMetricsServer({ registry: metrics.registry, port: 0 });
    try {
      await expect(
        startMetricsServer({ registry: metrics.registry, port: first.port }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
