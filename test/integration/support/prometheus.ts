import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** One series of a Prometheus answer: its labels and (instant) value. */
export interface Series {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** A thin client for Prometheus' HTTP API (`/api/v1/...`), failing loudly on errors. */
export function prometheusApi(baseUrl: string) {
  async function get<T>(path: string, params: URLSearchParams): Promise<T> {
    const res = await fetch(`${baseUrl}/api/v1/${path}?${params}`);
    const body = (await res.json()) as { status: string; error?: string; data: T };
    if (body.status !== "success") throw new Error(`${path} ${params}: ${body.error}`);
    return body.data;
  }
  return {
    /** Instant query, at `time` (seconds) or now. */
    query: async (query: string, time?: number) =>
      (
        await get<{ result: Series[] }>(
          "query",
          new URLSearchParams({ query, ...(time ? { time: String(time) } : {}) }),
        )
      ).result,
    queryRange: async (query: string, start: number, end: number, step: number) =>
      (
        await get<{ result: Series[] }>(
          "query_range",
          new URLSearchParams({
            query,
            start: String(start),
            end: String(end),
            step: String(step),
          }),
        )
      ).result,
    /** Label sets of every series matching `match` in [start, end]. */
    series: (match: string, start: number, end: number) =>
      get<Record<string, string>[]>(
        "series",
        new URLSearchParams({ "match[]": match, start: String(start), end: String(end) }),
      ),
    /** What Grafana's `label_values(match, label)` asks for. */
    labelValues: (label: string, match: string, start: number, end: number) =>
      get<string[]>(
        `label/${label}/values`,
        new URLSearchParams({ "match[]": match, start: String(start), end: String(end) }),
      ),
  };
}

/** The `host:port` targets workers registered in the file_sd folder, by file name (worker id). */
export async function fileSdTargets(sdDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await readdir(sdDir).catch(() => [])) {
    if (!name.endsWith(".json")) continue;
    const groups = JSON.parse(await readFile(join(sdDir, name), "utf8")) as {
      targets: string[];
    }[];
    const target = groups[0]?.targets[0];
    if (target) out.set(name.slice(0, -".json".length), target);
  }
  return out;
}

const PROMTOOL = existsSync("/usr/bin/promtool") ? "/usr/bin/promtool" : "promtool";

/** `promtool check metrics` on an exposition (stdin); exit 0 and no output mean no problems. */
export function promtoolCheckMetrics(text: string) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = execFile(PROMTOOL, ["check", "metrics"], (error, stdout, stderr) => {
      const code = error && typeof error.code === "number" ? error.code : error ? null : 0;
      if (error && code === null) reject(error);
      else resolve({ code, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(text);
  });
}
