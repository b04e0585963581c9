/** Native TensorFlow backends the project installs itself (PyPI wheel + tfjs-node addon built here). */
export { BackendInstallError, installBackend } from "./install";
export {
  cacheRoot,
  installCommand,
  installDir,
  type Manifest,
  NATIVE_BACKENDS,
  NATIVE_SPECS,
  type NativeBackend,
  readManifest,
} from "./layout";
export { loadNative, NativeBackendError, nativeBinding } from "./load";
export { type GpuInfo, listGpus, type ProbeResult, probeBackend } from "./probe";
