/** Why a Grafana request failed, in terms of what the user should fix. */
export type GrafanaErrorKind = "token" | "url" | "conflict" | "http";

/** A failed Grafana request, with a message that names the fix (never the token). */
export class GrafanaError extends Error {
  override name = "GrafanaError";
  constructor(
    message: string,
    readonly kind: GrafanaErrorKind,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface GrafanaResponse {
  status: number;
  body: unknown;
}

function connectionCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

function grafanaMessage(body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : JSON.stringify(body ?? "");
}

/** Maps an unexpected status to the error the user can act on. */
export function errorFor(status: number, what: string, baseUrl: string, body: unknown) {
  const detail = grafanaMessage(body);
  if (status === 401 || status === 403) {
    return new GrafanaError(
      `Grafana refused ${what} (HTTP ${status}: ${detail}): check GRAFANA_TOKEN, a service account token with the Editor or Admin role`,
      "token",
      status,
    );
  }
  if (status === 404) {
    return new GrafanaError(
      `${baseUrl} answered 404 to ${what}: check --grafana-url / GRAFANA_URL (Grafana's base URL, including any sub-path)`,
      "url",
      status,
    );
  }
  if (status === 412) {
    return new GrafanaError(
      `Grafana reported a version conflict for ${what} (HTTP 412: ${detail}): someone changed it in Grafana, or another dashboard in the folder has the same title; resolve it there and push again`,
      "conflict",
      status,
    );
  }
  return new GrafanaError(`Grafana failed ${what} (HTTP ${status}: ${detail})`, "http", status);
}

/** A minimal JSON client for Grafana's HTTP API with Bearer-token auth. */
export class GrafanaClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;

  constructor(baseUrl: string, token?: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#token = token;
  }

  /** Sends one request; any status not in `ok` throws a `GrafanaError`. */
  async request(
    method: "GET" | "POST" | "PUT",
    path: string,
    what: string,
    options: { body?: unknown; ok?: number[] } = {},
  ): Promise<GrafanaResponse> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (error) {
      const code = connectionCode(error) ?? String(error);
      throw new GrafanaError(
        `cannot reach Grafana at ${this.baseUrl} (${code}): check --grafana-url / GRAFANA_URL and that Grafana is running`,
        "url",
      );
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text for the error message.
    }
    if (!(options.ok ?? [200]).includes(res.status)) {
      throw errorFor(res.status, what, this.baseUrl, body);
    }
    return { status: res.status, body };
  }
}
