import { Client } from "minio";
import type { S3Config } from "../config";
import { ConfigError } from "../errors";
import { endure, type OutagePolicy } from "./outage";
import { DEFAULT_REQUEST_TIMEOUT_SECONDS, deadlineAgent } from "./transport";

/** A missing object (404); everything else from the store is transient and retried upstream. */
export class ObjectNotFoundError extends Error {
  override name = "ObjectNotFoundError";
}

/** A conditional write whose condition did not hold (HTTP 412): someone else wrote first. */
export class PreconditionFailedError extends Error {
  override name = "PreconditionFailedError";
}

/** S3 conditional-write headers: create only (`ifNoneMatch: "*"`) or replace only this version. */
export interface PutCondition {
  ifMatch?: string;
  ifNoneMatch?: "*";
}

/** An object's value with the ETag of the version read, for a later `ifMatch` write. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

function isPreconditionFailed(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === "PreconditionFailed" || code === "ConditionalRequestConflict";
}

function conditionHeaders(condition: PutCondition | undefined): Record<string, string> {
  if (!condition) return {};
  return {
    ...(condition.ifMatch ? { "If-Match": `"${condition.ifMatch}"` } : {}),
    ...(condition.ifNoneMatch ? { "If-None-Match": condition.ifNoneMatch } : {}),
  };
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === "NoSuchKey" || code === "NotFound" || code === "NoSuchBucket";
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * The artefact store: one bucket of an S3-compatible server (MinIO locally).
 * Each write is a single PUT, which S3 makes visible atomically: a reader sees the old object
 * or the new one, never half of it. Keys derive from ids, so a retried write overwrites.
 * Conditional PUTs (`If-Match` / `If-None-Match`, which MinIO and S3 honour) fence trial writes.
 */
export class ArtifactStore {
  readonly bucket: string;
  readonly #client: Client;
  readonly #outage: OutagePolicy | undefined;
  readonly #config: S3Config;

  constructor(config: S3Config, shared?: { client: Client; outage: OutagePolicy }) {
    this.bucket = config.bucket;
    this.#outage = shared?.outage;
    this.#config = config;
    if (shared) {
      this.#client = shared.client;
      return;
    }
    const url = new URL(config.endpoint);
    if (!config.accessKey || !config.secretKey) {
      throw new ConfigError(
        "no S3 credentials: set HYPERSWEEP_S3_ACCESS_KEY and HYPERSWEEP_S3_SECRET_KEY, or run `hypersweep stack up`",
      );
    }
    this.#client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
      useSSL: url.protocol === "https:",
      accessKey: config.accessKey.reveal(),
      secretKey: config.secretKey.reveal(),
      region: config.region,
      transportAgent: deadlineAgent(
        url,
        (config.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000,
      ),
    });
  }

  /**
   * This store, but every call waits out S3 unavailability (connection refused, timeouts, 5xx)
   * with backoff for up to `policy.budgetMs` instead of failing: a training attempt uses it so
   * that an outage delays the trial instead of spending its retries.
   */
  enduring(policy: OutagePolicy): ArtifactStore {
    return new ArtifactStore(this.#config, { client: this.#client, outage: policy });
  }

  #call<T>(call: () => Promise<T>): Promise<T> {
    return this.#outage ? endure(call, this.#outage) : call();
  }

  async ensureBucket(): Promise<void> {
    if (!(await this.#call(() => this.#client.bucketExists(this.bucket))))
      await this.#call(() => this.#client.makeBucket(this.bucket));
  }

  /** Writes one object; returns its ETag. A failed `condition` throws PreconditionFailedError. */
  async putBytes(
    key: string,
    body: Uint8Array | string,
    contentType: string,
    condition?: PutCondition,
  ): Promise<string> {
    const buffer = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
    const headers = { "Content-Type": contentType, ...conditionHeaders(condition) };
    try {
      const info = await this.#call(() =>
        this.#client.putObject(this.bucket, key, buffer, buffer.length, headers),
      );
      return info.etag;
    } catch (error) {
      // If-Match on a missing object is a 404 on some servers: the version we expected is gone.
      if (isPreconditionFailed(error) || (condition?.ifMatch && isNotFound(error))) {
        throw new PreconditionFailedError(`s3://${this.bucket}/${key}: changed by another writer`);
      }
      throw error;
    }
  }

  async putJson(key: string, value: unknown, condition?: PutCondition): Promise<string> {
    return this.putBytes(key, `${JSON.stringify(value, null, 1)}\n`, "application/json", condition);
  }

  async getBytes(key: string): Promise<Buffer> {
    return (await this.#getVersioned(key)).bytes;
  }

  async #getVersioned(key: string): Promise<{ bytes: Buffer; etag: string }> {
    try {
      return await this.#call(async () => {
        const stream = await this.#client.getObject(this.bucket, key);
        const etag = String((stream as { headers?: Record<string, unknown> }).headers?.etag ?? "");
        return { bytes: await readAll(stream), etag: etag.replace(/^"|"$/g, "") };
      });
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(`s3://${this.bucket}/${key} not found`);
      throw error;
    }
  }

  /** A JSON object with the ETag of the version read, or undefined when it does not exist. */
  async tryGetVersionedJson<T>(key: string): Promise<Versioned<T> | undefined> {
    const read = await this.tryGetVersionedBytes(key);
    return read && { value: JSON.parse(read.value.toString("utf8")) as T, etag: read.etag };
  }

  /** An object's bytes with the ETag of the version read, or undefined when it does not exist. */
  async tryGetVersionedBytes(key: string): Promise<Versioned<Buffer> | undefined> {
    try {
      const { bytes, etag } = await this.#getVersioned(key);
      return { value: bytes, etag };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  }

  /** The ETag of an object's current version, or undefined when it does not exist. */
  async etagOf(key: string): Promise<string | undefined> {
    try {
      return (await this.#call(() => this.#client.statObject(this.bucket, key))).etag;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async getText(key: string): Promise<string> {
    return (await this.getBytes(key)).toString("utf8");
  }

  async getJson<T>(key: string): Promise<T> {
    return JSON.parse(await this.getText(key)) as T;
  }

  /** The object, or undefined when it does not exist. */
  async tryGetJson<T>(key: string): Promise<T | undefined> {
    try {
      return await this.getJson<T>(key);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.etagOf(key)) !== undefined;
  }

  async list(prefix: string, recursive = true): Promise<string[]> {
    return this.#call(async () => {
      const keys: string[] = [];
      const stream = this.#client.listObjectsV2(this.bucket, prefix, recursive);
      for await (const item of stream) {
        const name =
          (item as { name?: string; prefix?: string }).name ?? (item as { prefix?: string }).prefix;
        if (name) keys.push(name);
      }
      return keys.sort();
    });
  }

  async remove(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.#call(() => this.#client.removeObjects(this.bucket, keys));
  }
}
