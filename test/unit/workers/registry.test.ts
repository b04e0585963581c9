import { describe, expect, it } from "vitest";
import { formatWorkers } from "../../../cli/actions/workers";
import { OWNER_LABEL } from "../../../metrics/file-sd";
import { httpSdGroups } from "../../../metrics/http-sd";
import {
  classifyEntries,
  DELETE_AFTER_MS,
  LIVE_FOR_MS,
  registryKey,
  type WorkerEntry,
} from "../../../workers/registry";

const NOW = Date.parse("2026-01-01T12:00:00Z");

function entry(id: string, pool: string, ageMs: number): WorkerEntry {
  return {
    workerId: id,
    pool,
    backend: "wasm",
    devices: ["cpu"],
    slots: 1,
    metricsUrl: `http://10.0.0.7:${9464}/metrics`,
    host: "box",
    pid: 42,
    started: new Date(NOW - 3_600_000).toISOString(),
    lastSeen: new Date(NOW - ageMs).toISOString(),
  };
}

describe("worker registry", () => {
  it("keeps fresh entries, hides expired ones and deletes only the long-dead", () => {
    const rows = [
      { key: registryKey("b"), value: entry("b", "gpu", 1_000) },
      { key: registryKey("a"), value: entry("a", "gpu", LIVE_FOR_MS) },
      { key: registryKey("c"), value: entry("c", "cpu", LIVE_FOR_MS + 1) },
      { key: registryKey("d"), value: entry("d", "cpu", DELETE_AFTER_MS + 1) },
      { key: "workers/notes.json", value: { hello: 1 } },
    ];
    const { live, expired } = classifyEntries(rows, NOW);
    expect(live.map((w) => w.workerId)).toEqual(["a", "b"]);
    expect(expired).toEqual(["workers/d.json"]);
  });

  it("serves each live worker as one HTTP SD group with its file_sd labels", () => {
    const groups = httpSdGroups([
      entry("w-0", "gpu", 0),
      { ...entry("bad", "x", 0), metricsUrl: "::" },
    ]);
    expect(groups).toEqual([
      {
        targets: ["10.0.0.7:9464"],
        labels: { pool: "gpu", worker: "w-0", [OWNER_LABEL]: "box/42" },
      },
    ]);
  });

  it("lists workers per pool with their slots, and says how to start one when none", () => {
    const text = formatWorkers([entry("a", "cpu", 0), entry("b", "cpu", 0), entry("g", "gpu", 0)]);
    expect(text).toMatch(/^pool cpu: 2 process\(es\), 2 slot\(s\)\n {2}a {2}box/);
    expect(text).toContain("pool gpu: 1 process(es)");
    expect(formatWorkers([])).toContain("hypersweep worker --pool NAME");
  });
});
