import { type Command, InvalidArgumentError } from "commander";
import { NATIVE_BACKENDS, type NativeBackend } from "../../training/native/layout";

// Loaded when the command runs, so `--help` stays fast.
const actions = () => import("../actions/backend");

function nativeName(v: string): NativeBackend {
  if (!(NATIVE_BACKENDS as readonly string[]).includes(v))
    throw new InvalidArgumentError(`must be one of ${NATIVE_BACKENDS.join(", ")}`);
  return v as NativeBackend;
}

/** `hypersweep backend install <name>` and `hypersweep backend status [--json]`. */
export function registerBackendCommands(program: Command): void {
  const backend = program
    .command("backend")
    .description("native TensorFlow backends: install them from PyPI into the cache, or list them");
  backend
    .command("install")
    .description("install the pinned TensorFlow wheel and build tfjs-node's addon against it")
    .argument("<name>", `one of ${NATIVE_BACKENDS.join(", ")}`, nativeName)
    .option("--force", "rebuild even when installed and loadable")
    .option("--cache-dir <dir>", "where backends are installed (env HYPERSWEEP_CACHE_DIR)")
    .action(async (name: NativeBackend, flags: { force?: boolean; cacheDir?: string }) =>
      (await actions()).installAction(name, flags),
    );
  backend
    .command("status")
    .description("each backend: installed, loadable, version, devices")
    .option("--json", "print JSON")
    .option("--cache-dir <dir>", "where backends are installed (env HYPERSWEEP_CACHE_DIR)")
    .action(async (flags: { json?: boolean; cacheDir?: string }) =>
      (await actions()).statusAction(flags),
    );
}
