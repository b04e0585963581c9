import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for Grafana's HTTP API (Grafana cannot be installed here). It enforces what
 * Grafana's docs specify for the endpoints `push` uses — method, path, Bearer auth, JSON
 * content type and body shape — and answers with the documented status codes and bodies.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeGrafana {
  url: string;
  requests: RecordedRequest[];
  datasources: Map<string, Record<string, unknown>>;
  folders: Map<string, { uid: string; title: string }>;
  dashboards: Map<
    string,
    { dashboard: Record<string, unknown>; folderUid: string; version: number }
  >;
  /** Answer the next request to `path` with this status (and a Grafana-like message). */
  failNext(path: string, status: number, body?: Record<string, unknown>): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Reply = [number, unknown];

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const bad = (message: string): Reply => [400, { message }];

function validateDatasource(body: unknown): string | undefined {
  if (!isObject(body)) return "body must be a JSON object";
  for (const key of ["name", "type", "url", "access"] as const) {
    if (typeof body[key] !== "string" || body[key] === "") return `${key} is required`;
  }
  if (!["proxy", "direct"].includes(body.access as string)) return "access must be proxy|direct";
  if (body.jsonData !== undefined && !isObject(body.jsonData)) return "jsonData must be an object";
  return undefined;
}

function validateDashboardSave(body: unknown): string | undefined {
  if (!isObject(body) || !isObject(body.dashboard)) return "dashboard is required";
  const d = body.dashboard;
  if (typeof d.title !== "string" || !d.title) return "dashboard.title is required";
  if (typeof d.uid !== "string" || d.uid.length > 40) return "dashboard.uid must be ≤ 40 chars";
  if (d.id !== null && d.id !== undefined) return "dashboard.id must be null for a by-uid save";
  if (body.folderId !== undefined && body.folderUid !== undefined) return "folderId or folderUid";
  if (typeof body.overwrite !== "boolean") return "overwrite must be a boolean";
  if (!Array.isArray(d.panels)) return "dashboard.panels must be an array";
  return undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

export async function startFakeGrafana(token: string): Promise<FakeGrafana> {
  const state: Omit<FakeGrafana, "url" | "close" | "failNext"> = {
    requests: [],
    datasources: new Map(),
    folders: new Map(),
    dashboards: new Map(),
  };
  const failures = new Map<string, Reply>();

  const routes = (method: string, path: string, body: unknown): Reply => {
    const ds = /^\/api\/datasources\/uid\/([^/]+)$/.exec(path);
    const folder = /^\/api\/folders\/([^/]+)$/.exec(path);
    if (method === "GET" && ds) {
      const found = state.datasources.get(ds[1] ?? "");
      return found ? [200, found] : [404, { message: "Data source not found" }];
    }
    if (method === "PUT" && ds) {
      const problem = validateDatasource(body);
      if (problem) return bad(problem);
      if (!state.datasources.has(ds[1] ?? "")) return [404, { message: "Data source not found" }];
      state.datasources.set(ds[1] ?? "", body as Json);
      return [
        200,
        { message: "Datasource updated", datasource: body, id: 1, name: (body as Json).name },
      ];
    }
    if (method === "POST" && path === "/api/datasources") {
      const problem = validateDatasource(body);
      if (problem) return bad(problem);
      const b = body as Json;
      const uid = typeof b.uid === "string" ? b.uid : "generated";
      if ([...state.datasources.values()].some((d) => d.name === b.name)) {
        return [409, { message: "data source with the same name already exists" }];
      }
      state.datasources.set(uid, b);
      return [200, { message: "Datasource added", datasource: { ...b, uid }, id: 1, name: b.name }];
    }
    if (method === "GET" && folder) {
      const found = state.folders.get(folder[1] ?? "");
      return found
        ? [200, { id: 1, ...found, url: `/dashboards/f/${found.uid}/`, version: 1 }]
        : [404, { message: "folder not found" }];
    }
    if (method === "POST" && path === "/api/folders") {
      if (!isObject(body) || typeof body.title !== "string" || !body.title)
        return bad("title is required");
      const uid = typeof body.uid === "string" ? body.uid : "generated";
      if (state.folders.has(uid))
        return [409, { message: "a folder with the same uid already exists" }];
      state.folders.set(uid, { uid, title: body.title });
      return [200, { id: 1, uid, title: body.title, url: `/dashboards/f/${uid}/`, version: 1 }];
    }
    if (method === "POST" && path === "/api/dashboards/db") {
      const problem = validateDashboardSave(body);
      if (problem) return bad(problem);
      const b = body as { dashboard: Json; folderUid?: string; overwrite: boolean };
      const uid = b.dashboard.uid as string;
      const existing = state.dashboards.get(uid);
      if (b.folderUid && !state.folders.has(b.folderUid))
        return [400, { message: "folder not found" }];
      if (existing && !b.overwrite && b.dashboard.version !== existing.version) {
        return [
          412,
          { status: "version-mismatch", message: "The dashboard has been changed by someone else" },
        ];
      }
      const version = (existing?.version ?? 0) + 1;
      state.dashboards.set(uid, { dashboard: b.dashboard, folderUid: b.folderUid ?? "", version });
      const slug = String(b.dashboard.title)
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-");
      return [200, { id: 1, uid, url: `/d/${uid}/${slug}`, status: "success", version, slug }];
    }
    return [404, { message: "Not found" }];
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const method = req.method ?? "GET";
    const body = await readJson(req);
    state.requests.push({ method, path, authorization: req.headers.authorization, body });
    let reply: Reply;
    if (failures.has(path)) {
      reply = failures.get(path) as Reply;
      failures.delete(path);
    } else if (path === "/api/health" && method === "GET") {
      reply = [200, { commit: "fake", database: "ok", version: "12.1.0" }];
    } else if (req.headers.authorization !== `Bearer ${token}`) {
      reply = [401, { message: "Unauthorized" }];
    } else if (body !== undefined && !req.headers["content-type"]?.startsWith("application/json")) {
      reply = [415, { message: "Content-Type must be application/json" }];
    } else {
      reply = routes(method, path, body);
    }
    res.writeHead(reply[0], { "content-type": "application/json" }).end(JSON.stringify(reply[1]));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) =>
      res.writeHead(400).end(JSON.stringify({ message: String(error) })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...state,
    url: `http://127.0.0.1:${port}`,
    failNext(path, status, body = { message: `injected ${status}` }) {
      failures.set(path, [status, body]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
