/**
 * The bucket is plain S3: a client that is not ours (the AWS CLI from PyPI) lists and reads a
 * real sweep's artefacts byte for byte as our store does; overwrites are idempotent and a
 * reader never sees a half-written object.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSweepReport } from "../../client";
import { withSeeds } from "../../spec";
import type { TrialArtifact } from "../../storage/artifacts";
import { sweepKeys, trialKeys } from "../../storage/keys";
import { ArtifactStore } from "../../storage/store";
import { readAllTrials, writeTrial } from "../../storage/trials";
import { awsCli, installAwsCli } from "./support/aws-cli";
import {
  prepare,
  RUN,
  SweepClient,
  seedSpec,
  spawnTrainingWorker,
  startSweep,
  startSweepWorker,
  stopChild,
  testConfig,
} from "./support/harness";

const POOL = `interop-${RUN}`;

describe("artefacts through a foreign S3 client", () => {
  const config = testConfig();
  const store = new ArtifactStore(config.s3);
  const bucket = config.s3.bucket;
  let aws: ReturnType<typeof awsCli>;
  let sweepId: string;
  let trial: TrialArtifact;

  const cat = async (key: string) => aws(["s3", "cp", `s3://${bucket}/${key}`, "-"]);
  const listed = async (prefix: string): Promise<string[]> => {
    const out = await aws(["s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix]);
    const page = JSON.parse(out.toString("utf8") || "{}") as { Contents?: { Key: string }[] };
    return (page.Contents ?? []).map((c) => c.Key).sort();
  };

  /** `aws s3 cp --recursive` of a prefix (one process: the CLI starts slowly), by key. */
  const download = async (prefix: string): Promise<Map<string, Buffer>> => {
    const dir = await mkdtemp(join(tmpdir(), "hypersweep-aws-"));
    try {
      await aws(["s3", "cp", "--recursive", "--quiet", `s3://${bucket}/${prefix}`, dir]);
      const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) =>
        e.isFile(),
      );
      const entries = files.map(async (e) => {
        const path = join(e.parentPath, e.name);
        return [`${prefix}${relative(dir, path)}`, await readFile(path)] as const;
      });
      return new Map(await Promise.all(entries));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  beforeAll(async () => {
    const [dir] = await Promise.all([installAwsCli(config.cacheDir), runTinySweep()]);
    aws = awsCli(config, dir);
    const trials = await readAllTrials(store, sweepId);
    trial = trials[0]!;
    await writeSweepReport(store, sweepId, `test-output/interop/${sweepId}`);
  });

  async function runTinySweep(): Promise<void> {
    const { spec, dir } = await seedSpec("03-momentum.yaml", (s) => ({
      ...s,
      name: `interop-${RUN}`,
      grid: { ...s.grid, momentum: [0.9] },
      training: { ...s.training, epochs: 5, checkpointEvery: 5 },
      execution: { ...s.execution, pool: POOL },
    }));
    const prepared = await prepare(config, withSeeds(spec, [1]), dir);
    const orchestrator = startSweepWorker(config);
    const worker = spawnTrainingWorker(POOL);
    const client = await SweepClient.connect(config);
    try {
      sweepId = await startSweep(client, prepared);
      await client.handle(sweepId).result();
    } finally {
      await stopChild(worker);
      await orchestrator.stop();
      await client.close();
    }
  }

  afterAll(async () => {
    await store.remove(await store.list(`sweeps/interop-atomic-${RUN}/`));
    await store.remove(await store.list(trialKeys(`t-interop-${RUN}`).root));
  });

  it("lists the sweep's objects as our store does", async () => {
    const keys = await listed(sweepKeys(sweepId).root);
    expect(keys).toEqual(await store.list(sweepKeys(sweepId).root));
    const t = trialKeys(trial.trialId);
    const k = sweepKeys(sweepId);
    for (const key of [k.spec, k.summary, k.leaderboard, k.report, k.trialRef(trial.trialId)]) {
      expect(keys).toContain(key);
    }
    const trialObjects = await listed(t.root);
    expect(trialObjects).toEqual(await store.list(t.root));
    for (const key of [t.curves, t.curvesCsv, t.owner]) expect(trialObjects).toContain(key);
  });

  it("reads every object, curves to report, byte for byte as our store does", async () => {
    const roots = [sweepKeys(sweepId).root, trialKeys(trial.trialId).root];
    const copies = new Map<string, Buffer>();
    for (const root of roots) {
      const some = await download(root);
      expect([...some.keys()].sort()).toEqual(await store.list(root));
      for (const [key, bytes] of some) copies.set(key, bytes);
    }
    for (const [key, bytes] of copies) expect(bytes.equals(await store.getBytes(key))).toBe(true);
    const curves = JSON.parse(copies.get(trialKeys(trial.trialId).curves)!.toString());
    expect((curves as TrialArtifact).records.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5]);
    const head = await aws([
      "s3api",
      "head-object",
      "--bucket",
      bucket,
      "--key",
      sweepKeys(sweepId).report,
    ]);
    expect((JSON.parse(head.toString("utf8")) as { ContentType: string }).ContentType).toMatch(
      /^text\/html/,
    );
  });

  it("writing a trial twice leaves one object per key, with the new content", async () => {
    // A trial of its own: the sweep's trial is final and shared by id.
    const copy = { ...trial, sweepId: `interop-atomic-${RUN}`, trialId: `t-interop-${RUN}` };
    // A partial (cancelled) result may be replaced; a finished one is final.
    await writeTrial(store, { ...copy, status: "cancelled" });
    await writeTrial(store, { ...copy, durationSeconds: 1234.5 });
    await writeTrial(store, { ...copy, durationSeconds: 1 });
    const keys = trialKeys(copy.trialId);
    const copies = await download(keys.root);
    expect([...copies.keys()].sort()).toEqual([keys.curvesCsv, keys.curves]);
    const read = JSON.parse(copies.get(keys.curves)!.toString("utf8")) as TrialArtifact;
    expect(read.durationSeconds).toBe(1234.5);
  });

  it("a reader during repeated overwrites always parses a whole version", async () => {
    const key = `sweeps/interop-atomic-${RUN}/overwrite.json`;
    // ~400 KB per version, so a torn read would show as bad JSON or mixed versions.
    const doc = (v: number) => ({ version: v, values: Array.from({ length: 50_000 }, () => v) });
    await store.putJson(key, doc(0));
    let writing = true;
    const seen: number[] = [];
    const check = (text: string) => {
      const parsed = JSON.parse(text) as ReturnType<typeof doc>;
      expect(parsed.values).toHaveLength(50_000);
      expect(parsed.values.every((x) => x === parsed.version)).toBe(true);
      seen.push(parsed.version);
    };
    const writer = (async () => {
      for (let v = 1; v <= 40; v++) await store.putJson(key, doc(v));
      writing = false;
    })();
    const ours = (async () => {
      while (writing) check(await store.getText(key));
    })();
    const theirs = (async () => {
      while (writing) check((await cat(key)).toString("utf8"));
    })();
    await Promise.all([writer, ours, theirs]);
    check(await store.getText(key));
    expect(seen.at(-1)).toBe(40);
    expect(new Set(seen).size).toBeGreaterThan(2);
  });
});
