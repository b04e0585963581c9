import { describe, expect, it } from "vitest";
import {
  collectQueries,
  collectVariableQueries,
  legendLabelsOf,
  renderExpr,
} from "../../../dashboards";
import { METRIC, SPLITS, SWEEP_LABELS, TRIAL_LABELS, WORKER_LABELS } from "../../../metrics";

/** One concrete value per template variable, as a user would pick them. */
const VALUES = { sweep: "sw-1", by: "lr", cell: "0.01", metric: "loss", optimizer: "sgd" };

/** Prometheus' own `up` of the workers' scrape job: its target labels come from file_sd. */
const UP = new Set(["job", "instance", ...WORKER_LABELS]);

/** The labels each exported metric family carries (what a query can group or filter by). */
function labelsOf(name: string): Set<string> {
  if (name === "up") return UP;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  const trial = [METRIC.trialEpoch, METRIC.trialRunning] as string[];
  const curves = [METRIC.trialLoss, METRIC.trialMetric] as string[];
  if (trial.includes(base)) return new Set(TRIAL_LABELS);
  if (curves.includes(base)) return new Set([...TRIAL_LABELS, "split"]);
  if (base === METRIC.slotsBusy || base === METRIC.slotsTotal) return new Set(WORKER_LABELS);
  if (base === METRIC.backendInfo) return new Set([...WORKER_LABELS, "backend"]);
  const withStatus = [METRIC.trialsFinished, METRIC.trialDuration] as string[];
  const labels = new Set<string>(SWEEP_LABELS);
  if (withStatus.includes(base)) labels.add("status");
  if (name.endsWith("_bucket")) labels.add("le");
  return labels;
}

describe("dashboard queries", () => {
  it("renders template variables and Grafana's interval built-ins", () => {
    // Grafana's `${name}` syntax, not a JavaScript template.
    const braced = ['hypersweep_trial_$metric{sweep="$', '{sweep}", $by="[[cell]]"}[$__range]'];
    expect(renderExpr(braced.join(""), VALUES)).toBe(
      'hypersweep_trial_loss{sweep="sw-1", lr="0.01"}[1h]',
    );
    expect(renderExpr("x[$__rate_interval]", { __rate_interval: "2m" })).toBe("x[2m]");
    expect(() => renderExpr('x{a="$nope"}', {})).toThrow(/\$nope/);
  });

  it("reads legend labels", () => {
    expect(legendLabelsOf("{{ pool }} busy {{pool}} {{worker}}")).toEqual(["pool", "worker"]);
    expect(legendLabelsOf("running")).toEqual([]);
  });

  it("uses only metrics the workers export, with labels those metrics carry", () => {
    const exported = new Set<string>(Object.values(METRIC));
    for (const by of ["lr", "momentum", "optimizer"]) {
      for (const metric of ["loss", "metric"]) {
        for (const q of collectQueries()) {
          const expr = renderExpr(q.expr, { ...VALUES, by, metric });
          const names =
            expr.match(/hypersweep_[a-z_]+|\bup(?=\{job="hypersweep-workers"\})/g) ?? [];
          expect(names.length, expr).toBeGreaterThan(0);
          for (const name of names) {
            const base = name.replace(/_(bucket|sum|count)$/, "");
            expect(base === "up" || exported.has(base), name).toBe(true);
            const available = labelsOf(name);
            for (const label of q.legendLabels) {
              expect(available.has(label), `${q.panel}: ${label} on ${name}`).toBe(true);
            }
          }
          expect(expr).not.toMatch(/epoch="/);
        }
      }
    }
  });

  it("lists the label_values template variables", () => {
    const cell = collectVariableQueries().find((v) => v.variable === "cell");
    expect(cell).toEqual({
      dashboard: "hypersweep-comparison",
      variable: "cell",
      match: 'hypersweep_trial_loss{sweep="$sweep"}',
      label: "$by",
    });
    expect(SPLITS).toEqual(["train", "validation"]);
  });
});
