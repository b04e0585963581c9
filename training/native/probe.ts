import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Manifest, type NativeBackend, readManifest } from "./layout";

const exec = promisify(execFile);
const CHILD = fileURLToPath(new URL("./probe-child.ts", import.meta.url));

export interface GpuInfo {
  name: string;
  memoryMiB: number;
}

export interface ProbeResult {
  backend: NativeBackend;
  installed: boolean;
  loadable: boolean;
  /** TensorFlow's version as the loaded library reports it. */
  version?: string;
  /** GPUs TensorFlow uses (empty when it runs on the CPU only). */
  gpus: GpuInfo[];
  error?: string;
  manifest?: Manifest;
}

/** NVIDIA GPUs the driver lists, with their memory; none where there is no driver. */
export async function listGpus(): Promise<GpuInfo[]> {
  try {
    const q = ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"];
    const { stdout } = await exec("nvidia-smi", q, { timeout: 10_000 });
    return stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const [name = "", mem = "0"] = l.split(",").map((s) => s.trim());
        return { name, memoryMiB: Number(mem) };
      });
  } catch {
    return [];
  }
}

/**
 * Loads a native backend in a child process (a process holds one TensorFlow, and a broken
 * library must not take the caller down) and runs one op on it.
 */
export async function probeBackend(name: NativeBackend): Promise<ProbeResult> {
  const manifest = readManifest(name);
  const base = {
    backend: name,
    installed: manifest !== undefined,
    ...(manifest ? { manifest } : {}),
  };
  try {
    const { stdout } = await exec(process.execPath, ["--import", "tsx", CHILD, name], {
      timeout: 120_000,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" },
    });
    const r = JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
    if (!r.ok) return { ...base, loadable: false, gpus: [], error: r.error };
    const gpus = r.usingGpu ? await listGpus() : [];
    return { ...base, loadable: true, version: r.version, gpus };
  } catch (e) {
    return { ...base, loadable: false, gpus: [], error: (e as Error).message.split("\n")[0] };
  }
}
