import { existsSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import type { BackendPreference } from "../spec/types";
import { loadNative } from "./native/load";

export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** How to load each backend; the native ones come from the cache (or npm) and may be absent. */
const LOADERS: Record<BackendName, () => Promise<string>> = {
  "tensorflow-gpu": async () => {
    await loadNative("tensorflow-gpu");
    return "tensorflow";
  },
  tensorflow: async () => {
    await loadNative("tensorflow");
    return "tensorflow";
  },
  wasm: async () => {
    await import("@tensorflow/tfjs-backend-wasm");
    return "wasm";
  },
  cpu: async () => "cpu",
};

const AUTO_ORDER: BackendName[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

/** Loading the GPU build where no GPU is would take the process's one native TensorFlow slot for nothing. */
const gpuVisible = () => existsSync("/dev/nvidia0");

/** Why `auto` passed over each faster backend, from the last fresh choice. */
export interface BackendChoice {
  name: BackendName;
  skipped: Array<{ name: BackendName; reason: string }>;
}

let active: { pref: BackendPreference; name: BackendName } | undefined;
let lastChoice: BackendChoice | undefined;

async function tryBackend(name: BackendName): Promise<string | undefined> {
  try {
    const tfName = await LOADERS[name]();
    if (!(await tf.setBackend(tfName))) return `tf.setBackend("${tfName}") failed`;
    await tf.ready();
    return undefined;
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}

const stderrLog = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Selects the TensorFlow.js backend and returns the name actually used. `auto` tries
 * tensorflow-gpu (only where a GPU is visible), tensorflow, wasm, then cpu, and logs the choice
 * and why the faster ones were not taken. Idempotent: the same preference returns the cached
 * choice. A named backend that cannot load throws with the cause (and, for a native one, the
 * command that installs it).
 * @example await initBackend("auto") // "wasm" where no native backend is installed
 */
export async function initBackend(
  pref: BackendPreference,
  log: (line: string) => void = stderrLog,
): Promise<BackendName> {
  if (active?.pref === pref && tf.getBackend() === backendKey(active.name)) return active.name;
  const order = pref === "auto" ? AUTO_ORDER : [pref];
  const skipped: BackendChoice["skipped"] = [];
  for (const name of order) {
    const why =
      pref === "auto" && name === "tensorflow-gpu" && !gpuVisible()
        ? "no NVIDIA GPU visible"
        : await tryBackend(name);
    if (why === undefined) {
      active = { pref, name };
      lastChoice = { name, skipped };
      if (pref === "auto") log(describeChoice(lastChoice));
      return name;
    }
    skipped.push({ name, reason: why });
  }
  const causes = skipped.map((s) => `${s.name}: ${s.reason}`).join("; ");
  throw new Error(`TensorFlow.js backend "${pref}" could not be loaded (${causes})`);
}

/** One line: the backend `auto` chose and why each faster one was passed over. */
export function describeChoice(c: BackendChoice): string {
  const why = c.skipped.map((s) => `${s.name}: ${s.reason}`).join("; ");
  return `hypersweep: training backend ${c.name}${why ? ` (not taken: ${why})` : ""}`;
}

/** The last fresh `initBackend` choice, for status lines and reports. */
export const backendChoice = (): BackendChoice | undefined => lastChoice;

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
