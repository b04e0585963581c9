import { type ChildProcess, execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnTracked } from "./harness";

/**
 * "Machines" as Linux network namespaces on one host (root only): each has its own loopback and
 * one veth link to a bridge in the host namespace, and no other route, so whatever runs in it
 * reaches the host's servers only over that link, and nothing beyond this virtual LAN.
 */
export interface Machine {
  /** Namespace name (`ip netns exec NAME …`). */
  ns: string;
  /** Its address on the LAN. */
  address: string;
}

export interface VirtualLan {
  /** The host's address on the LAN (the bridge's): where servers listen for the machines. */
  hostAddress: string;
  machines: Machine[];
  /** Kills every process of every machine and removes the namespaces and links. Idempotent. */
  destroy(): Promise<void>;
}

const ip = (...args: string[]) =>
  execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();

/** The pids of every process inside a namespace (none once it is dead or gone). */
export function pidsIn(ns: string): number[] {
  try {
    return ip("netns", "pids", ns)
      .split(/\s+/)
      .filter((p) => p !== "")
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * SIGKILLs every process of a machine at once, without warning, until none is left (a child
 * forked between the listing and the kill is caught by the next round).
 */
export async function killMachine(ns: string): Promise<number[]> {
  const killed = new Set<number>();
  for (let round = 0; round < 50; round++) {
    const pids = pidsIn(ns);
    if (pids.length === 0) return [...killed];
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
        killed.add(pid);
      } catch {
        // Already gone.
      }
    }
    await sleep(100);
  }
  throw new Error(`processes still alive in namespace ${ns}: ${pidsIn(ns).join(" ")}`);
}

/**
 * Removes what an earlier run with this prefix left behind (a crashed test): only namespaces and
 * links whose names start with `prefix`, so nothing of another test or of the host is touched.
 */
export async function removeLeftovers(prefix: string): Promise<void> {
  const namespaces = ip("netns", "list")
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(prefix));
  for (const ns of namespaces) {
    await killMachine(ns);
    ip("netns", "del", ns);
  }
  const links = ip("-o", "link", "show")
    .split("\n")
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? "")
    .filter((name) => name.startsWith(prefix));
  for (const link of links) {
    try {
      ip("link", "del", link);
    } catch {
      // A veth half goes with its peer.
    }
  }
}

/**
 * Builds a bridge `<prefix>br` holding `<subnet>.1/24` and one namespace per name, `<prefix><name>`,
 * at `<subnet>.2`, `.3`, …, each linked to the bridge by a veth pair. Names stay within the
 * kernel's 15 characters for `prefix` up to 12. Fails if the subnet is already in use here.
 */
export async function createLan(
  prefix: string,
  subnet: string,
  names: string[],
): Promise<VirtualLan> {
  await removeLeftovers(prefix);
  if (ip("-o", "addr", "show").includes(` ${subnet}.`)) {
    throw new Error(`${subnet}.0/24 is already in use on this host: choose another subnet`);
  }
  const bridge = `${prefix}br`;
  const machines: Machine[] = [];
  const destroy = async () => {
    for (const m of machines) {
      await killMachine(m.ns);
      try {
        ip("netns", "del", m.ns);
      } catch {
        // Never created, or already removed.
      }
    }
    await removeLeftovers(prefix);
  };
  try {
    ip("link", "add", bridge, "type", "bridge");
    ip("addr", "add", `${subnet}.1/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    names.forEach((name, i) => {
      const ns = `${prefix}${name}`;
      const outside = `${prefix}${name}h`;
      const inside = `${prefix}${name}n`;
      ip("netns", "add", ns);
      machines.push({ ns, address: `${subnet}.${i + 2}` });
      ip("link", "add", outside, "type", "veth", "peer", "name", inside);
      ip("link", "set", inside, "netns", ns);
      ip("link", "set", outside, "master", bridge, "up");
      ip("-n", ns, "addr", "add", `${subnet}.${i + 2}/24`, "dev", inside);
      ip("-n", ns, "link", "set", inside, "up");
      ip("-n", ns, "link", "set", "lo", "up");
    });
  } catch (error) {
    await destroy();
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`building the virtual LAN needs root (ip netns, veth, bridge): ${why}`);
  }
  return { hostAddress: `${subnet}.1`, machines, destroy };
}

/** The routes a namespace has (`ip -n NS route`), one per line. */
export function routesOf(ns: string): string[] {
  return ip("-n", ns, "route")
    .split("\n")
    .filter((l) => l.trim() !== "");
}

/** True when a TCP connection from inside the namespace to host:port succeeds within 2 s. */
export function canConnectFrom(ns: string, host: string, port: number): boolean {
  try {
    execFileSync(
      "ip",
      ["netns", "exec", ns, "timeout", "2", "bash", "-c", `exec 3<>/dev/tcp/${host}/${port}`],
      { stdio: "ignore" },
    );
    return true;
  } catch {
    return false;
  }
}

/** Runs a command inside a machine with exactly `env`; stderr is kept for failure messages. */
export function spawnIn(
  machine: Machine,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string },
): { child: ChildProcess; stderr: () => string } {
  return spawnTracked("ip", ["netns", "exec", machine.ns, command, ...args], options);
}
