import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, isAbsolute, join, resolve } from "node:path";
import { DataError, UsageError } from "../errors";
import { datasetConfigOf, expandTrials, type SweepSpec } from "../spec";
import { bundleCode, uploadCode } from "../storage/code";
import { sourceReader } from "../storage/datasets";
import { BundleTooLargeError } from "../storage/folder-bundle";
import { datasetKey, S3_SCHEME } from "../storage/keys";
import { type ArtifactStore, ObjectNotFoundError } from "../storage/store";
import { loadDataset, type PreparedData } from "../training";
import { type CodeBundle, checkModelCode, resolveModelCode, uploadModule } from "./model-code";

/** A spec whose dataset points into the bucket, plus the bytes to upload (if any). */
export interface PreparedSpec {
  spec: SweepSpec;
  /** `shown`: how the user knows the data (local path or URL), named in data errors. */
  upload?: { shown: string; bytes: Buffer; key: string };
  /** A command trial's code folder, bundled: uploaded to its content-addressed source. */
  code?: { folder: string; source: string; bytes: Uint8Array };
  /** The bundled model module to upload, for a `module` model. */
  module?: CodeBundle;
}

/** Seconds a dataset URL may take to answer (then the run stops, naming the URL). */
const FETCH_TIMEOUT_MS = 60_000;

async function readLocal(localPath: string): Promise<Buffer> {
  try {
    return await readFile(localPath);
  } catch (error) {
    throw new UsageError(
      `dataset.path: cannot read ${localPath} (${(error as NodeJS.ErrnoException).code ?? error})`,
      { cause: error },
    );
  }
}

/** The bytes at an http(s) URL; unreachable or not 2xx is a `UsageError` naming the URL. */
async function fetchUrl(url: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new UsageError(`dataset.url: cannot fetch ${url} (${why})`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new UsageError(`dataset.url: ${url} answered HTTP ${response.status}`);
  }
  return Buffer.from(await response.arrayBuffer());
}

/** The last path segment of a URL, as the object's file name (`data` when there is none). */
function urlFileName(url: string): string {
  const name = new URL(url).pathname.split("/").filter(Boolean).pop() ?? "";
  return /^[\w.-]+$/.test(name) ? name : "data";
}

/**
 * Resolves a local dataset path or a URL (fetched once) to its content-addressed bucket key,
 * without uploading, so `--dry-run` shows the same trial ids a real run gets: they follow the
 * bytes, not where they came from.
 */
export async function resolveDataset(spec: SweepSpec, specDir: string): Promise<PreparedSpec> {
  const { path, s3: _s3, url, ...rest } = spec.dataset;
  if (path === undefined && url === undefined) return { spec };
  const localPath =
    path === undefined ? undefined : isAbsolute(path) ? path : resolve(specDir, path);
  const bytes = localPath ? await readLocal(localPath) : await fetchUrl(url as string);
  const shown = localPath ?? (url as string);
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  const key = datasetKey(hash, localPath ? basename(localPath) : urlFileName(url as string));
  return {
    spec: { ...spec, dataset: { ...rest, s3: `${S3_SCHEME}${key}` } },
    upload: { shown, bytes, key },
  };
}

/**
 * Loads and validates the data exactly as a worker will, before any work is scheduled, so bad
 * data fails here with the row and column named (exit code 2).
 */
export async function validateData(
  prepared: PreparedSpec,
  readText: (source: string) => Promise<string>,
): Promise<PreparedData> {
  const config = datasetConfigOf(prepared.spec.dataset);
  const upload = prepared.upload;
  const read = upload
    ? async (source: string) =>
        source === config.source ? upload.bytes.toString("utf8") : readText(source)
    : readText;
  try {
    return await loadDataset(config, read);
  } catch (error) {
    if (error instanceof DataError) {
      // The loader names the bucket key it would read; the user knows the file by its path.
      const shown = upload?.shown ?? config.source;
      const message = error.message.replaceAll(`${config.source}: `, "");
      throw new UsageError(`dataset ${shown}: ${message.replaceAll(config.source, shown)}`, {
        cause: error,
      });
    }
    if (error instanceof ObjectNotFoundError)
      throw new UsageError(`dataset.s3: ${error.message} (upload it first, or give dataset.path)`, {
        cause: error,
      });
    throw error;
  }
}

/** Arguments that look like a script in the code folder (`train.py`, `./run.sh`). */
const SCRIPT = /^(?:\.\/)?[\w./-]+\.(?:py|sh|r|R|jl|js|mjs|cjs|ts|rb|pl|lua|m)$/;

/**
 * Bundles a command trial's code folder (content-addressed, so the trial ids name the code's
 * hash) without uploading; a script the command names that is not in the folder is an error.
 */
export async function resolveCode(prepared: PreparedSpec, specDir: string): Promise<PreparedSpec> {
  const { model } = prepared.spec;
  if (model.type !== "command" || model.code.startsWith(S3_SCHEME)) return prepared;
  const folder = isAbsolute(model.code) ? model.code : resolve(specDir, model.code);
  if (!existsSync(folder)) throw new UsageError(`trainable.code: ${folder} does not exist`);
  model.command.forEach((arg, i) => {
    if (i > 0 && SCRIPT.test(arg) && !isAbsolute(arg) && !existsSync(join(folder, arg))) {
      throw new UsageError(
        `trainable.command[${i}]: ${arg} is not in the code folder ${folder} (trainable.code; the command runs there)`,
      );
    }
  });
  let bundle: Awaited<ReturnType<typeof bundleCode>>;
  try {
    bundle = await bundleCode(folder);
  } catch (error) {
    if (!(error instanceof BundleTooLargeError)) throw error;
    throw new UsageError(
      `trainable.code: ${error.message}; point code at the folder of the training script only`,
      { cause: error },
    );
  }
  return {
    ...prepared,
    spec: { ...prepared.spec, model: { ...model, code: bundle.source } },
    code: { folder, source: bundle.source, bytes: bundle.bytes },
  };
}

/**
 * The dataset, a command trial's code and a model module (bundled and hashed) resolved to
 * their bucket keys; nothing uploaded.
 */
export async function resolveInputs(spec: SweepSpec, specDir: string): Promise<PreparedSpec> {
  const prepared = await resolveCode(await resolveDataset(spec, specDir), specDir);
  const { spec: resolved, code } = await resolveModelCode(prepared.spec, specDir);
  return { ...prepared, spec: resolved, ...(code ? { module: code } : {}) };
}

/** Uploads what `resolveInputs` found local: the dataset and the code bundle. */
export async function uploadInputs(store: ArtifactStore, prepared: PreparedSpec): Promise<void> {
  await uploadDataset(store, prepared);
  if (prepared.code) await uploadCode(store, prepared.code.source, prepared.code.bytes);
  await uploadModule(store, prepared.module);
}

function contentType(key: string): string {
  return /\.(jsonl|ndjson)$/i.test(key) ? "application/x-ndjson" : "text/csv";
}

export async function uploadDataset(store: ArtifactStore, prepared: PreparedSpec): Promise<void> {
  if (!prepared.upload) return;
  const { key, bytes } = prepared.upload;
  if (!(await store.exists(key))) await store.putBytes(key, bytes, contentType(key));
}

/**
 * A model module is loaded and its first trial's model built on the prepared data, so a module
 * that throws, returns no model or does not fit the data fails before anything is scheduled.
 */
export async function validateModel(prepared: PreparedSpec, data: PreparedData): Promise<void> {
  const first = prepared.module && expandTrials(prepared.spec)[0];
  if (first) await checkModelCode(prepared.module!, first.config, data);
}

/**
 * Everything a spec needs before it can start, as `hypersweep run` does it: the local dataset
 * (and a command trial's code folder) resolved to its content-addressed key, loaded and validated exactly as a worker will (bad
 * data is a `UsageError` naming row and column), a model module bundled and its first model
 * built on that data (a bad module is a `ModelModuleError`), all uploaded unless already in
 * the bucket.
 *
 * @example
 * const { spec, dir } = await loadSpecFile("examples/seed/03-momentum.yaml");
 * const prepared = await prepareSpec(new ArtifactStore(config.s3), spec, dir);
 * await sweeps.start(prepared.spec);
 */
export async function prepareSpec(
  store: ArtifactStore,
  spec: SweepSpec,
  specDir: string,
): Promise<PreparedSpec> {
  const prepared = await resolveInputs(spec, specDir);
  await validateModel(prepared, await validateData(prepared, sourceReader(store, specDir)));
  await store.ensureBucket();
  await uploadInputs(store, prepared);
  return prepared;
}
