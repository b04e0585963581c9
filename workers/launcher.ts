import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { availableParallelism } from "node:os";

/** GPU ids visible to this machine: CUDA_VISIBLE_DEVICES if set, else `nvidia-smi -L`. */
export function visibleGpus(env: NodeJS.ProcessEnv): string[] {
  const listed = env.CUDA_VISIBLE_DEVICES?.trim();
  if (listed)
    return listed
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "" && s !== "-1");
  try {
    const out = execFileSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 5000 });
    return out
      .split("\n")
      .filter((l) => l.startsWith("GPU "))
      .map((_, i) => String(i));
  } catch {
    return [];
  }
}

export interface SlotPlan {
  /** One entry per training process; `gpu` pins it with CUDA_VISIBLE_DEVICES. */
  processes: { index: number; gpu?: string }[];
}

/**
 * How many training processes to run. CPU pools: one process per slot (tfjs trains on one
 * thread, so processes, not in-process concurrency, use the cores); default = cores.
 * GPU pools: one process per visible GPU, one trial at a time each.
 */
export function planSlots(
  gpuPool: boolean,
  concurrency: number | undefined,
  gpus: string[],
): SlotPlan {
  if (gpuPool) {
    const devices = gpus.length > 0 ? gpus : ["0"];
    const n = concurrency ?? devices.length;
    return {
      processes: Array.from({ length: n }, (_, i) => ({
        index: i,
        gpu: devices[i % devices.length] ?? "0",
      })),
    };
  }
  const n = concurrency ?? availableParallelism();
  return { processes: Array.from({ length: n }, (_, i) => ({ index: i })) };
}

/**
 * Runs `argsFor(i)` as child processes, restarts one that dies unexpectedly (after a short
 * back-off), forwards stop to all, and resolves once every child has exited.
 */
export async function superviseChildren(
  plan: SlotPlan,
  argsFor: (index: number) => string[],
  env: NodeJS.ProcessEnv,
  stop: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  const children = new Set<ChildProcess>();
  const start = (slot: SlotPlan["processes"][number]): Promise<void> =>
    new Promise((resolveExit) => {
      const childEnv = {
        ...env,
        ...(slot.gpu === undefined ? {} : { CUDA_VISIBLE_DEVICES: slot.gpu }),
      };
      const child = spawn(process.execPath, argsFor(slot.index), {
        env: childEnv,
        stdio: "inherit",
      });
      children.add(child);
      child.on("exit", (code, signal) => {
        children.delete(child);
        if (stop.aborted) return resolveExit();
        log(`training process ${slot.index} exited (${signal ?? code}); restarting in 2 s`);
        setTimeout(() => start(slot).then(resolveExit), 2000);
      });
    });
  stop.addEventListener("abort", () => {
    for (const c of children) c.kill("SIGTERM");
  });
  await Promise.all(plan.processes.map(start));
}
