import * as tf from "@tensorflow/tfjs";
import type { BackendPreference } from "../spec/types";

export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** How to load each backend; the native ones are optional dependencies and may be absent. */
const LOADERS: Record<BackendName, () => Promise<string>> = {
  "tensorflow-gpu": () => loadNative("@tensorflow/tfjs-node-gpu"),
  tensorflow: () => loadNative("@tensorflow/tfjs-node"),
  wasm: async () => {
    await import("@tensorflow/tfjs-backend-wasm");
    return "wasm";
  },
  cpu: async () => "cpu",
};

const AUTO_ORDER: BackendName[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

/** Both native packages register tfjs backend "tensorflow"; a variable specifier keeps them optional. */
async function loadNative(pkg: string): Promise<string> {
  await import(/* @vite-ignore */ pkg);
  return "tensorflow";
}

let active: { pref: BackendPreference; name: BackendName } | undefined;

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    const tfName = await LOADERS[name]();
    if (!(await tf.setBackend(tfName))) return false;
    await tf.ready();
    return true;
  } catch {
    return false;
  }
}

/**
 * Selects the TensorFlow.js backend and returns the name actually used. `auto` tries
 * tensorflow-gpu, tensorflow, wasm, then cpu. Idempotent: the same preference returns the
 * cached choice; a named backend that cannot load throws.
 * @example await initBackend("auto") // "wasm" where tfjs-node is not installed
 */
export async function initBackend(pref: BackendPreference): Promise<BackendName> {
  if (active?.pref === pref && tf.getBackend() === backendKey(active.name)) return active.name;
  const order = pref === "auto" ? AUTO_ORDER : [pref];
  for (const name of order) {
    if (await tryBackend(name)) {
      active = { pref, name };
      return name;
    }
  }
  throw new Error(`TensorFlow.js backend "${pref}" could not be loaded`);
}

/** Picks `auto` unless a backend was chosen already (a worker normally chooses at start). */
export async function ensureBackend(): Promise<BackendName> {
  return active ? currentBackend() : initBackend("auto");
}

const backendKey = (name: BackendName): string => (name === "tensorflow-gpu" ? "tensorflow" : name);

/** The backend in use, named as `initBackend` names it. */
export function currentBackend(): BackendName {
  const b = tf.getBackend();
  if (b === "tensorflow")
    return active?.name === "tensorflow-gpu" ? "tensorflow-gpu" : "tensorflow";
  return b === "wasm" ? "wasm" : "cpu";
}
