import { existsSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { sep } from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  installCommand,
  manifestPath,
  NATIVE_SPECS,
  type NativeBackend,
  readManifest,
} from "./layout";

/** A native backend that cannot load: the message names the cause and the command that fixes it. */
export class NativeBackendError extends Error {
  override name = "NativeBackendError";
}

/** The parts of tfjs-node's binding we use beyond what its kernel backend calls. */
export interface NativeBinding {
  TF_Version: string;
  isUsingGpuDevice(): boolean;
}

const projectRequire = createRequire(import.meta.url);
type Resolve = (
  request: string,
  parent: { filename?: string } | undefined,
  ...rest: unknown[]
) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };

/**
 * tfjs-node's JS must register its kernels in *our* tfjs instance, not a second copy: while it
 * loads, `@tensorflow/tfjs*` requests from inside the cached package resolve to the project's.
 */
function requireSharingTfjs<T>(pkgDir: string, file: string): T {
  const original = loader._resolveFilename;
  loader._resolveFilename = function (request, parent, ...rest) {
    if (request.startsWith("@tensorflow/tfjs") && parent?.filename?.startsWith(pkgDir + sep))
      return projectRequire.resolve(request);
    return original.call(this, request, parent, ...rest);
  };
  try {
    return projectRequire(file) as T;
  } finally {
    loader._resolveFilename = original;
  }
}

let loaded: { name: NativeBackend; binding?: NativeBinding } | undefined;

/** Loads the addon the installer built into the cache and registers tfjs backend "tensorflow". */
function loadFromCache(name: NativeBackend): NativeBinding {
  const m = readManifest(name);
  if (!m || !existsSync(m.addon)) {
    throw new NativeBackendError(
      `backend "${name}" is not installed (no ${manifestPath(name)}); install it with: ${installCommand(name)}`,
    );
  }
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "2"; // TensorFlow's C++ start-up chatter
  let binding: NativeBinding;
  try {
    binding = projectRequire(m.addon) as NativeBinding;
    requireSharingTfjs(m.packageDir, `${m.packageDir}/dist/register_all_kernels.js`);
  } catch (e) {
    throw new NativeBackendError(
      `backend "${name}" is installed but its addon does not load (${(e as Error).message.split("\n")[0]}); reinstall with: ${installCommand(name)} --force`,
    );
  }
  const { NodeJSKernelBackend } = requireSharingTfjs<{
    NodeJSKernelBackend: new (b: NativeBinding, pkg: string) => tf.KernelBackend;
  }>(m.packageDir, `${m.packageDir}/dist/nodejs_kernel_backend.js`);
  tf.registerBackend("tensorflow", () => new NodeJSKernelBackend(binding, m.npm), 3);
  return binding;
}

/**
 * Makes tfjs backend "tensorflow" available from the named native backend: the project's own
 * install in the cache first, else an `@tensorflow/tfjs-node*` package installed by npm.
 * One process holds one native TensorFlow; asking for the other one throws.
 */
export async function loadNative(name: NativeBackend): Promise<NativeBinding | undefined> {
  if (loaded) {
    if (loaded.name === name) return loaded.binding;
    throw new NativeBackendError(
      `this process already loaded "${loaded.name}"; one native backend per process`,
    );
  }
  if (readManifest(name)) {
    loaded = { name, binding: loadFromCache(name) };
    return loaded.binding;
  }
  try {
    await import(/* @vite-ignore */ NATIVE_SPECS[name].npm);
    loaded = { name };
    return undefined;
  } catch {
    loadFromCache(name); // throws "not installed", naming the install command
    return undefined;
  }
}

/** The loaded native binding, when this process loaded one from the cache. */
export const nativeBinding = (): NativeBinding | undefined => loaded?.binding;
