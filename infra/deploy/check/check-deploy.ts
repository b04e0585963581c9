/**
 * `npm run check:deploy`: validates infra/deploy offline and exits non-zero on any problem.
 * - every kustomization under k8s/ is rendered (render.ts) and each object validated against the
 *   Kubernetes schemas (kubernetes-validate --strict); CRDs are not in that schema set, so KEDA's
 *   ScaledObject is checked by policy.ts instead (and said so);
 * - policy.ts: each pool's pieces agree (grace period, ports, probe, GPUs, KEDA trigger);
 * - the Dockerfiles are linted by hadolint; the systemd units by `systemd-analyze verify` and the
 *   Prometheus configs by `promtool check config`, where those tools exist.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { loadConfig } from "../../../config";
import { checkPolicy } from "./policy";
import { type Manifest, renderKustomization } from "./render";
import { ensureTools } from "./tools";

const DEPLOY = resolve(fileURLToPath(new URL("..", import.meta.url)));
/** The Kubernetes version the manifests target (an API level every supported cluster has). */
const KUBERNETES_VERSION = "1.33.0";
const out = mkdtempSync(join(tmpdir(), "hypersweep-check-deploy-"));
const problems: string[] = [];
const say = (line: string): void => {
  process.stdout.write(`check:deploy: ${line}\n`);
};

function exec(command: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(command, args, { encoding: "utf8" });
  return {
    ok: r.status === 0,
    output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ?? ""}`.trim(),
  };
}

const has = (command: string) => exec("sh", ["-c", `command -v ${command}`]).ok;

function kustomizations(dir: string): string[] {
  const here = readdirSync(dir, { withFileTypes: true });
  const nested = here
    .filter((e) => e.isDirectory())
    .flatMap((e) => kustomizations(join(dir, e.name)));
  return here.some((e) => e.name === "kustomization.yaml") ? [dir, ...nested] : nested;
}

const isCrd = (m: Manifest) =>
  m.apiVersion.split("/")[0]!.includes(".") && !m.apiVersion.includes("k8s.io");

function checkManifests(validate: string): void {
  for (const dir of kustomizations(join(DEPLOY, "k8s"))) {
    const name = relative(DEPLOY, dir);
    let resources: Manifest[];
    try {
      resources = renderKustomization(dir);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      continue;
    }
    problems.push(...checkPolicy(resources).map((p) => `${name}: ${p}`));
    const native = resources.filter((m) => !isCrd(m));
    const file = join(out, `${name.replace(/\//g, "_")}.yaml`);
    writeFileSync(file, native.map((m) => stringify(m)).join("---\n"));
    const r = exec(validate, ["--strict", "--quiet", "-k", KUBERNETES_VERSION, file]);
    if (!r.ok) problems.push(`${name}: kubernetes-validate:\n${r.output}`);
    const skipped = resources.filter(isCrd).map((m) => `${m.kind}/${m.metadata.name}`);
    say(
      `${name}: ${native.length} objects valid for Kubernetes ${KUBERNETES_VERSION}` +
        (skipped.length
          ? `; ${skipped.join(", ")}: CRD, no schema in the set, policy-checked`
          : ""),
    );
  }
}

function lintDockerfiles(hadolint: string): void {
  const dir = join(DEPLOY, "docker");
  const files = readdirSync(dir).filter((f) => f.endsWith(".Dockerfile"));
  const r = exec(hadolint, [
    "--config",
    join(DEPLOY, ".hadolint.yaml"),
    ...files.map((f) => join(dir, f)),
  ]);
  if (r.ok) say(`hadolint: ${files.join(", ")} clean`);
  else problems.push(`hadolint:\n${r.output}`);
}

function verifyUnits(): void {
  if (!has("systemd-analyze")) {
    say("systemd units: skipped (no systemd-analyze here)");
    return;
  }
  const dir = join(DEPLOY, "systemd");
  const units = readdirSync(dir).filter((f) => f.endsWith(".service"));
  // A template unit verifies only as an instance.
  const copies = units.map((u) => {
    const copy = join(out, basename(u).replace("@.service", "@cpu.service"));
    copyFileSync(join(dir, u), copy);
    return copy;
  });
  const r = exec("systemd-analyze", ["verify", ...copies]);
  if (r.ok) say(`systemd-analyze verify: ${units.join(", ")} clean`);
  else problems.push(`systemd-analyze verify:\n${r.output}`);
}

function checkPrometheus(): void {
  if (!has("promtool")) {
    say("prometheus config: skipped (no promtool here)");
    return;
  }
  const dir = join(DEPLOY, "prometheus");
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".yml"))) {
    const r = exec("promtool", ["check", "config", join(dir, f)]);
    // Debian's Prometheus is built without Kubernetes service discovery.
    if (!r.ok && /field kubernetes_sd_configs not found/.test(r.output)) {
      say(`${f}: skipped (this promtool is built without kubernetes_sd)`);
    } else if (r.ok) say(`promtool check config ${f}: SUCCESS`);
    else problems.push(`promtool ${f}:\n${r.output}`);
  }
}

const tools = ensureTools(loadConfig().cacheDir, say);
checkManifests(tools.kubernetesValidate);
lintDockerfiles(tools.hadolint);
verifyUnits();
checkPrometheus();
if (problems.length > 0) {
  process.stderr.write(`check:deploy: ${problems.length} problem(s)\n${problems.join("\n")}\n`);
  process.exit(1);
}
say("all deployment artefacts valid");
