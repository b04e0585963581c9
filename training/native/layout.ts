import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export type NativeBackend = "tensorflow" | "tensorflow-gpu";
export const NATIVE_BACKENDS: readonly NativeBackend[] = ["tensorflow-gpu", "tensorflow"];

/** What each native backend is built from: a pinned PyPI wheel and the tfjs-node sources matching our tfjs. */
export interface NativeSpec {
  wheel: string;
  version: string;
  /** pip extra added when an NVIDIA GPU is visible (CUDA 12 / cuDNN 9 as `nvidia-*` wheels). */
  gpuExtra?: string;
  npm: string;
  npmVersion: string;
}

export const NATIVE_SPECS: Record<NativeBackend, NativeSpec> = {
  tensorflow: {
    wheel: "tensorflow-cpu",
    version: "2.21.0",
    npm: "@tensorflow/tfjs-node",
    npmVersion: "4.22.0",
  },
  "tensorflow-gpu": {
    wheel: "tensorflow",
    version: "2.21.0",
    gpuExtra: "and-cuda",
    npm: "@tensorflow/tfjs-node-gpu",
    npmVersion: "4.22.0",
  },
};

/** Build tools, pinned: node-gyp 12 is the newest that supports Node 20. */
export const TOOLS = { nodeGyp: "12.1.0", googleProtobuf: "3.21.4", napiVersion: 8 } as const;

/** Same default as the config's `cacheDir` (training/ does not import config/). */
export const cacheRoot = (): string =>
  process.env.HYPERSWEEP_CACHE_DIR ?? join(homedir(), ".cache", "hypersweep");

/** One folder per backend and versions, so a version bump builds afresh and CI caches key on it. */
export function installDir(name: NativeBackend): string {
  const s = NATIVE_SPECS[name];
  return join(cacheRoot(), "backends", `${name}-${s.wheel}-${s.version}-tfjs-${s.npmVersion}`);
}

/** Written last by the installer: its presence means the build finished and loaded once. */
export interface Manifest {
  backend: NativeBackend;
  wheel: string;
  version: string;
  npm: string;
  npmVersion: string;
  /** The pip extra actually installed (absent: none). */
  extra?: string;
  /** Absolute paths: the addon and the tfjs-node package its JS comes from. */
  addon: string;
  packageDir: string;
  installedAt: string;
  installSeconds: number;
}

export const manifestPath = (name: NativeBackend): string =>
  join(installDir(name), "manifest.json");

export function readManifest(name: NativeBackend): Manifest | undefined {
  const path = manifestPath(name);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

export const installCommand = (name: NativeBackend): string =>
  `npx hypersweep backend install ${name}`;
