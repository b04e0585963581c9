import type { Manifest } from "./render";

/**
 * What the schemas cannot see: that the pieces of one pool agree with each other and with the
 * worker's behaviour. KEDA's ScaledObject is a CRD with no schema in kubernetes-validate's
 * set, so its fields are checked here instead. Returns one line per problem.
 */

/** The training worker's Temporal shutdown grace (workers/training-worker.ts: "2 minutes"). */
const WORKER_GRACE_S = 120;

interface Container {
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path?: string; port?: string | number } };
  resources?: { limits?: Record<string, unknown> };
}

interface PodSpec {
  terminationGracePeriodSeconds?: number;
  containers: Container[];
}

const podOf = (d: Manifest) =>
  (d.spec as { template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } })
    .template;

function flag(args: string[] | undefined, name: string): string | undefined {
  const i = args?.indexOf(name) ?? -1;
  return i >= 0 ? args?.[i + 1] : undefined;
}

export function checkPolicy(resources: Manifest[]): string[] {
  const deployments = resources.filter((r) => r.kind === "Deployment");
  const workers = deployments.filter(
    (d) => podOf(d).metadata?.labels?.["app.kubernetes.io/component"] === "training-worker",
  );
  return [
    ...workers.flatMap(checkWorker),
    ...resources
      .filter((r) => r.kind === "ScaledObject")
      .flatMap((s) => checkScaledObject(s, deployments)),
  ];
}

function checkWorker(d: Manifest): string[] {
  const where = `Deployment/${d.metadata.name}`;
  const pod = podOf(d).spec;
  const c = pod.containers[0]!;
  const problems: string[] = [];
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (grace < WORKER_GRACE_S + 30) {
    problems.push(`${where}: terminationGracePeriodSeconds ${grace} < ${WORKER_GRACE_S + 30}`);
  }
  const processes = Number(flag(c.args, "--concurrency") ?? 1);
  const metricsPorts = (c.ports ?? []).filter((p) => /^metrics-\d+$/.test(p.name ?? ""));
  if (metricsPorts.length !== processes) {
    problems.push(
      `${where}: ${processes} training processes but ${metricsPorts.length} metrics ports`,
    );
  }
  const probe = c.readinessProbe?.httpGet;
  if (probe?.path !== "/healthz" || !metricsPorts.some((p) => p.name === probe.port)) {
    problems.push(`${where}: readinessProbe must GET /healthz on a metrics-<i> port`);
  }
  const gpus = c.resources?.limits?.["nvidia.com/gpu"];
  if (flag(c.args, "--backend") === "tensorflow-gpu" && Number(gpus) !== processes) {
    problems.push(`${where}: one training process per nvidia.com/gpu (${processes} vs ${gpus})`);
  }
  return problems;
}

interface Trigger {
  type: string;
  metadata: Record<string, string>;
}

function checkScaledObject(s: Manifest, deployments: Manifest[]): string[] {
  const where = `ScaledObject/${s.metadata.name}`;
  const spec = s.spec as { scaleTargetRef?: { name?: string }; triggers?: Trigger[] };
  const target = deployments.find((d) => d.metadata.name === spec.scaleTargetRef?.name);
  if (!target) return [`${where}: scaleTargetRef names no Deployment of this kustomization`];
  const args = podOf(target).spec.containers[0]?.args;
  const temporal = (spec.triggers ?? []).filter((t) => t.type === "temporal");
  if (temporal.length === 0) return [`${where}: no temporal trigger`];
  return temporal.flatMap(({ metadata: m }) => {
    const problems: string[] = [];
    if (!m.endpoint && !m.endpointFromEnv) problems.push(`${where}: trigger has no endpoint`);
    const queue = `hypersweep-${flag(args, "--pool")}`;
    if (m.taskQueue !== queue)
      problems.push(`${where}: taskQueue ${m.taskQueue}, pool polls ${queue}`);
    if (m.queueTypes !== "activity") problems.push(`${where}: queueTypes must be activity`);
    const perPod = flag(args, "--concurrency") ?? "1";
    if (m.targetQueueSize !== perPod) {
      problems.push(`${where}: targetQueueSize ${m.targetQueueSize}, a pod trains ${perPod}`);
    }
    return problems;
  });
}
