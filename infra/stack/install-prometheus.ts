import { existsSync, readFileSync } from "node:fs";
import { findOnPath, lastLines, runCommand } from "./exec";
import { type ProgressFn, StackError } from "./types";

/** The Debian init script's pid file for the packaged daemon. */
const PACKAGED_PID_FILE = "/run/prometheus/prometheus.pid";

/**
 * Finds `prometheus` (and `promtool`); installs the Debian package when missing, and makes
 * sure the package's own service is not left running (it would hold port 9090).
 */
export async function ensurePrometheus(progress: ProgressFn): Promise<string> {
  const found = await findOnPath("prometheus");
  if (found) {
    await stopPackagedService(progress);
    return found;
  }
  if (process.getuid?.() !== 0) {
    throw new StackError(
      "Prometheus is not installed; run `sudo apt-get install -y prometheus` (or put `prometheus` on PATH) and retry.",
    );
  }
  progress("installing Prometheus (apt-get install prometheus)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let result = await apt(["install", "-y", "--no-install-recommends", "prometheus"], env);
  if (result.code !== 0) {
    // A fresh machine may have no package lists yet.
    await apt(["update"], env);
    result = await apt(["install", "-y", "--no-install-recommends", "prometheus"], env);
  }
  const installed = await findOnPath("prometheus");
  if (result.code !== 0 || !installed) {
    throw new StackError(`apt-get install prometheus failed:\n${lastLines(result.output)}`);
  }
  await stopPackagedService(progress, true);
  return installed;
}

function apt(args: string[], env: NodeJS.ProcessEnv) {
  return runCommand("apt-get", args, { env });
}

/** Stops (and, under systemd, disables) the packaged daemon when it runs. */
async function stopPackagedService(progress: ProgressFn, justInstalled = false): Promise<void> {
  const systemd = existsSync("/run/systemd/system");
  if (systemd && justInstalled) {
    await runCommand("systemctl", ["disable", "--now", "prometheus"]);
    return;
  }
  if (systemd) {
    const active = await runCommand("systemctl", ["is-active", "--quiet", "prometheus"]);
    if (active.code !== 0) return;
  } else if (!packagedDaemonAlive()) {
    return;
  }
  progress("stopping the Debian prometheus service (it would hold port 9090)…");
  const stopped = systemd
    ? await runCommand("systemctl", ["stop", "prometheus"])
    : await runCommand("service", ["prometheus", "stop"]);
  if (stopped.code !== 0) {
    progress(`could not stop the packaged prometheus service: ${lastLines(stopped.output, 2)}`);
  }
}

function packagedDaemonAlive(): boolean {
  if (!existsSync(PACKAGED_PID_FILE)) return false;
  const pid = Number.parseInt(readFileSync(PACKAGED_PID_FILE, "utf8"), 10);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
