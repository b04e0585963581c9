import { describe, expect, it } from "vitest";
import { checkPolicy } from "../../../infra/deploy/check/policy";
import { type Manifest, renderKustomization } from "../../../infra/deploy/check/render";

const K8S = new URL("../../../infra/deploy/k8s/", import.meta.url).pathname;
const render = (overlay: string) => renderKustomization(`${K8S}${overlay}`);
const find = (resources: Manifest[], kind: string) => resources.find((r) => r.kind === kind)!;
// biome-ignore lint/suspicious/noExplicitAny: tests reach into rendered YAML freely
const pod = (d: Manifest): any => (d.spec as any).template.spec;

describe("the Kubernetes overlays (rendered offline)", () => {
  it("gpu: one training process per nvidia.com/gpu, scaled on hypersweep-gpu", () => {
    const resources = render("overlays/gpu");
    const worker = find(resources, "Deployment");
    const container = pod(worker).containers[0];
    expect(worker.metadata.name).toBe("hypersweep-worker-gpu");
    expect(container.resources.limits["nvidia.com/gpu"]).toBe(1);
    expect(container.args).toEqual(expect.arrayContaining(["--concurrency", "1"]));
    // biome-ignore lint/suspicious/noExplicitAny: as above
    const scaler = find(resources, "ScaledObject").spec as any;
    expect(scaler.scaleTargetRef.name).toBe("hypersweep-worker-gpu");
    expect(scaler.triggers[0].metadata.taskQueue).toBe("hypersweep-gpu");
    expect(checkPolicy(resources)).toEqual([]);
  });

  it("cpu: four processes, four metrics ports, four trials per pod for KEDA", () => {
    const resources = render("overlays/cpu");
    expect(checkPolicy(resources)).toEqual([]);
    const ports = pod(find(resources, "Deployment")).containers[0].ports;
    expect(ports.map((p: { name: string }) => p.name)).toEqual([
      "metrics-0",
      "metrics-1",
      "metrics-2",
      "metrics-3",
    ]);
  });

  it("policy catches a short grace period, a queue mismatch and a missing GPU limit", () => {
    const resources = render("overlays/gpu");
    const worker = find(resources, "Deployment");
    pod(worker).terminationGracePeriodSeconds = 30;
    delete pod(worker).containers[0].resources.limits["nvidia.com/gpu"];
    // biome-ignore lint/suspicious/noExplicitAny: as above
    (find(resources, "ScaledObject").spec as any).triggers[0].metadata.taskQueue = "hypersweep-cpu";
    expect(checkPolicy(resources)).toEqual([
      "Deployment/hypersweep-worker-gpu: terminationGracePeriodSeconds 30 < 150",
      "Deployment/hypersweep-worker-gpu: one training process per nvidia.com/gpu (1 vs undefined)",
      "ScaledObject/hypersweep-worker-gpu: taskQueue hypersweep-cpu, pool polls hypersweep-gpu",
    ]);
  });
});
