import { describe, expect, it } from "vitest";
import { createWorkerMetrics, METRIC, TRIAL_LABELS } from "../../../metrics";
import { fixtureTrialLabels } from "../../fixtures/trial-labels";

const t = fixtureTrialLabels();
const record = {
  epoch: 3,
  trainLoss: 0.5,
  valLoss: 0.6,
  trainMetric: 0.8,
  valMetric: 0.75,
  seconds: 0.2,
};

function setup(graceMs = 1000) {
  let now = 1_000_000;
  const metrics = createWorkerMetrics({
    pool: "cpu",
    worker: "w1",
    graceMs,
    autoFlush: false,
    processMetrics: false,
    clock: () => now,
  });
  return { metrics, advance: (ms: number) => (now += ms), now: () => now };
}

async function seriesOf(metrics: ReturnType<typeof setup>["metrics"], name: string) {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values ?? [];
}

describe("worker metrics", () => {
  it("prefixes every metric with hypersweep_ and gives each help text", async () => {
    const { metrics } = setup();
    const all = await metrics.registry.getMetricsAsJSON();
    expect(all.length).toBe(Object.keys(METRIC).length);
    for (const m of all) {
      expect(m.name).toMatch(/^hypersweep_[a-z_]+$/);
      // Only counters end in _total (promtool's rule).
      expect(m.name.endsWith("_total")).toBe(String(m.type) === "counter");
      expect(m.help.length).toBeGreaterThan(10);
    }
  });

  it("exports per-trial series with the trial's labels and never an epoch label", async () => {
    const { metrics } = setup();
    metrics.trialStarted(t, 1);
    metrics.epoch(t, record);
    const loss = await seriesOf(metrics, METRIC.trialLoss);
    expect(loss).toHaveLength(2);
    for (const s of loss) {
      expect(Object.keys(s.labels).sort()).toEqual([...TRIAL_LABELS, "split"].sort());
    }
    expect(loss.find((s) => s.labels.split === "validation")?.value).toBe(0.6);
    const epoch = await seriesOf(metrics, METRIC.trialEpoch);
    expect(epoch).toEqual([{ labels: { pool: "cpu", worker: "w1", ...t }, value: 3 }]);
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/epoch="/);
  });

  it("keeps one series per trial across many epochs", async () => {
    const { metrics } = setup();
    metrics.trialStarted(t, 1);
    for (let e = 1; e <= 50; e++) metrics.epoch(t, { ...record, epoch: e });
    expect(await seriesOf(metrics, METRIC.trialEpoch)).toHaveLength(1);
    const hist = await seriesOf(metrics, METRIC.epochDuration);
    expect(
      hist.find((v) => (v as { metricName?: string }).metricName?.endsWith("_count"))?.value,
    ).toBe(50);
  });

  it("counts finishes by status, retries, resumes and checkpoints", async () => {
    const { metrics } = setup();
    metrics.trialStarted(t, 2);
    metrics.resumed(t, 4);
    metrics.checkpointWritten(t);
    metrics.trialFinished(t, "diverged", 3.5);
    const finished = await seriesOf(metrics, METRIC.trialsFinished);
    // Every status starts at 0 so that increase() counts the first finish too.
    expect(finished.map((s) => [s.labels.status, s.value])).toEqual([
      ["completed", 0],
      ["diverged", 1],
      ["failed", 0],
      ["cancelled", 0],
    ]);
    expect((await seriesOf(metrics, METRIC.retries))[0]?.value).toBe(1);
    expect((await seriesOf(metrics, METRIC.resumes))[0]?.value).toBe(1);
    expect((await seriesOf(metrics, METRIC.checkpoints))[0]?.value).toBe(1);
    expect((await seriesOf(metrics, METRIC.trialRunning))[0]?.value).toBe(0);
  });

  it("removes a finished trial's series after the grace period, keeping counters", async () => {
    const { metrics, advance } = setup(1000);
    const other = { ...t, trial: "t-ffffffffffffffff" };
    metrics.trialStarted(t, 1);
    metrics.epoch(t, record);
    metrics.trialStarted(other, 1);
    metrics.trialFinished(t, "completed", 1);
    advance(999);
    expect(metrics.flushExpired()).toBe(0);
    expect(await seriesOf(metrics, METRIC.trialLoss)).toHaveLength(2);
    advance(1);
    expect(metrics.flushExpired()).toBe(1);
    expect(await seriesOf(metrics, METRIC.trialLoss)).toHaveLength(0);
    expect((await seriesOf(metrics, METRIC.trialEpoch)).map((s) => s.labels.trial)).toEqual([
      other.trial,
    ]);
    expect(metrics.trialSeriesCount()).toBe(1);
    const finished = await seriesOf(metrics, METRIC.trialsFinished);
    expect(finished.find((s) => s.labels.status === "completed")?.value).toBe(1);
  });

  it("cancels a pending removal when the trial starts again", async () => {
    const { metrics, advance } = setup(1000);
    metrics.trialStarted(t, 1);
    metrics.trialFinished(t, "failed", 1);
    metrics.trialStarted(t, 2);
    advance(5000);
    expect(metrics.flushExpired()).toBe(0);
    expect((await seriesOf(metrics, METRIC.trialRunning))[0]?.value).toBe(1);
  });

  it("expires the series of an attempt that threw, without counting it finished", async () => {
    const { metrics, advance } = setup(1000);
    metrics.trialStarted(t, 1);
    metrics.epoch(t, record);
    metrics.attemptFailed(t);
    expect((await seriesOf(metrics, METRIC.trialRunning))[0]?.value).toBe(0);
    const finished = await seriesOf(metrics, METRIC.trialsFinished);
    expect(finished.every((s) => s.value === 0)).toBe(true);
    advance(1000);
    expect(metrics.flushExpired()).toBe(1);
    expect(metrics.trialSeriesCount()).toBe(0);
    // An unknown trial (its attempt threw before it started) leaves no series behind.
    metrics.attemptFailed({ ...t, trial: "t-eeeeeeeeeeeeeeee" });
    expect(await seriesOf(metrics, METRIC.trialRunning)).toHaveLength(0);
  });

  it("stays flat over thousands of trials", async () => {
    const { metrics, advance } = setup(10);
    for (let i = 0; i < 2000; i++) {
      const ti = { ...t, trial: `t-${i}` };
      metrics.trialStarted(ti, 1);
      metrics.epoch(ti, record);
      metrics.trialFinished(ti, "completed", 1);
      advance(20);
      metrics.flushExpired();
    }
    expect(metrics.trialSeriesCount()).toBe(0);
    expect(await seriesOf(metrics, METRIC.trialMetric)).toHaveLength(0);
  });

  it("reports slots and a single backend info series", async () => {
    const { metrics } = setup();
    metrics.setSlots(1, 4);
    metrics.setBackend("wasm");
    metrics.setBackend("cpu");
    expect(await seriesOf(metrics, METRIC.slotsTotal)).toEqual([
      { labels: { pool: "cpu", worker: "w1" }, value: 4 },
    ]);
    expect(await seriesOf(metrics, METRIC.backendInfo)).toEqual([
      { labels: { pool: "cpu", worker: "w1", backend: "cpu" }, value: 1 },
    ]);
  });

  it("adds Node's default process metrics unless told not to", async () => {
    const metrics = createWorkerMetrics({ pool: "cpu", worker: "w1" });
    metrics.stop();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).not.toMatch(/^nodejs_active_handles_total/m);
  });
});
