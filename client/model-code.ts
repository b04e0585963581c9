import { readFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ModelModuleError, UsageError } from "../errors";
import type { SweepSpec, TrialConfig } from "../spec";
import { CODE_SOURCE_PREFIX } from "../spec/sections";
import { moduleKey } from "../storage/keys";
import type { ArtifactStore } from "../storage/store";
import type { PreparedData } from "../training";
import { Rng } from "../training/rng";
import { buildUserModel } from "../training/user-model/build";
import { loadModelCode, sha256Of, TFJS_PACKAGES } from "../training/user-model/code";

/** A bundled model module: its bytes, their hash and the bucket key they go to. */
export interface CodeBundle {
  /** The module file as the spec named it, resolved. */
  localPath: string;
  key: string;
  sha256: string;
  bytes: Uint8Array;
}

/**
 * Bundles a model module and what it imports (the user's own files and npm packages) into one
 * CommonJS file with esbuild. TensorFlow.js stays external: a worker binds it to its own
 * instance and backend. Paths in the bundle are relative to the module's folder, so the same
 * sources give the same bytes (and trial ids) wherever the folder lives.
 */
export async function bundleModelModule(localPath: string): Promise<CodeBundle> {
  const name = basename(localPath);
  try {
    await readFile(localPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`model.module: cannot read ${localPath} (${code ?? error})`, {
      cause: error,
    });
  }
  const { build } = await import("esbuild");
  const result = await build({
    absWorkingDir: dirname(localPath),
    entryPoints: [localPath],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    external: [...TFJS_PACKAGES, "@tensorflow/*"],
    logLevel: "silent",
    legalComments: "none",
  }).catch(
    (error: {
      errors?: Array<{ text: string; location?: { file: string; line: number } | null }>;
    }) => {
      const first = error.errors?.[0];
      const where = first?.location ? ` (${first.location.file}:${first.location.line})` : "";
      const text = first ? `${first.text}${where}` : String(error);
      throw new ModelModuleError(`model module ${name}: cannot bundle: ${text}`, { cause: error });
    },
  );
  const bytes = result.outputFiles[0]!.contents;
  const sha256 = sha256Of(bytes);
  return { localPath, key: moduleKey(sha256, name), sha256, bytes };
}

/**
 * A spec whose model module points at its bundle in the bucket (`s3://code/<sha256>/…`), plus
 * the bundle to upload; a spec without a module (or already prepared) comes back as it was.
 */
export async function resolveModelCode(
  spec: SweepSpec,
  specDir: string,
): Promise<{ spec: SweepSpec; code?: CodeBundle }> {
  const { model } = spec;
  if (model.type !== "module" || model.module.startsWith(CODE_SOURCE_PREFIX)) return { spec };
  const localPath = isAbsolute(model.module) ? model.module : resolve(specDir, model.module);
  const code = await bundleModelModule(localPath);
  return { spec: { ...spec, model: { type: "module", module: `s3://${code.key}` } }, code };
}

export async function uploadModule(store: ArtifactStore, code: CodeBundle | undefined) {
  if (code && !(await store.exists(code.key)))
    await store.putBytes(code.key, code.bytes, "application/javascript");
}

/** Loads a bundle as a worker will and builds one trial's model on the data (then drops it). */
export async function checkModelCode(
  code: CodeBundle,
  trial: TrialConfig,
  data: PreparedData,
): Promise<void> {
  const loaded = loadModelCode(code.bytes, { sha256: code.sha256, name: basename(code.localPath) });
  // tfjs greets a first use of its JS backend on the console; the CLI's output is the user's.
  const prod = tf.env().getBool("PROD");
  tf.env().set("PROD", true);
  try {
    const model = await buildUserModel(loaded, trial, data, new Rng(trial.seed));
    model.dispose();
  } finally {
    tf.env().set("PROD", prod);
  }
}
