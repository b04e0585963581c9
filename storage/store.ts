import { Client } from "minio";
import type { S3Config } from "../config";
import { ConfigError } from "../errors";

/** A missing object (404); everything else from the store is transient and retried upstream. */
export class ObjectNotFoundError extends Error {
  override name = "ObjectNotFoundError";
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
 */
export class ArtifactStore {
  readonly bucket: string;
  readonly #client: Client;

  constructor(config: S3Config) {
    const url = new URL(config.endpoint);
    if (!config.accessKey || !config.secretKey) {
      throw new ConfigError(
        "no S3 credentials: set HYPERSWEEP_S3_ACCESS_KEY and HYPERSWEEP_S3_SECRET_KEY, or run `hypersweep stack up`",
      );
    }
    this.bucket = config.bucket;
    this.#client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
      useSSL: url.protocol === "https:",
      accessKey: config.accessKey.reveal(),
      secretKey: config.secretKey.reveal(),
      region: config.region,
    });
  }

  async ensureBucket(): Promise<void> {
    if (!(await this.#client.bucketExists(this.bucket))) await this.#client.makeBucket(this.bucket);
  }

  async putBytes(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    const buffer = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
    await this.#client.putObject(this.bucket, key, buffer, buffer.length, {
      "Content-Type": contentType,
    });
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.putBytes(key, `${JSON.stringify(value, null, 1)}\n`, "application/json");
  }

  async getBytes(key: string): Promise<Buffer> {
    try {
      return await readAll(await this.#client.getObject(this.bucket, key));
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(`s3://${this.bucket}/${key} not found`);
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
    try {
      await this.#client.statObject(this.bucket, key);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async list(prefix: string, recursive = true): Promise<string[]> {
    const keys: string[] = [];
    const stream = this.#client.listObjectsV2(this.bucket, prefix, recursive);
    for await (const item of stream) {
      const name =
        (item as { name?: string; prefix?: string }).name ?? (item as { prefix?: string }).prefix;
      if (name) keys.push(name);
    }
    return keys.sort();
  }

  async remove(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.#client.removeObjects(this.bucket, keys);
  }
}
