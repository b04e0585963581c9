import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DATASOURCE_UID } from "../../../dashboards";
import { DEFAULT_FOLDER, folderUidOf } from "../../../dashboards/push";

const read = (path: string) => parse(readFileSync(path, "utf8"));

describe("Grafana file provisioning", () => {
  it("provisions the stack's Prometheus under the dashboards' datasource uid", () => {
    const file = read("infra/grafana/provisioning/datasources/hypersweep.yaml");
    expect(file.apiVersion).toBe(1);
    expect(file.datasources).toEqual([
      expect.objectContaining({
        uid: DATASOURCE_UID,
        type: "prometheus",
        access: "proxy",
        url: "http://127.0.0.1:9090",
      }),
    ]);
  });

  it("loads the committed dashboards into the folder `push` uses", () => {
    const file = read("infra/grafana/provisioning/dashboards/hypersweep.yaml");
    const [provider] = file.providers;
    expect(provider).toMatchObject({
      type: "file",
      folder: DEFAULT_FOLDER,
      folderUid: folderUidOf(DEFAULT_FOLDER),
    });
    expect(provider.options.path).toMatch(/^\//);
  });
});
