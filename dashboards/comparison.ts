import {
  CustomVariableBuilder,
  DashboardBuilder,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { HYPER_PARAMETER_LABELS } from "../metrics/definitions";
import { allValuesVariable, DATASOURCE, prom, sweepVariable, TRIAL_LEGEND, UIDS } from "./common";

/** Hyper-parameters a grid can be split by (label names of the per-trial series). */
export const BY_VALUES = HYPER_PARAMETER_LABELS;
/** Curves a grid can show: `hypersweep_trial_<metric>`. */
export const METRIC_VALUES = ["loss", "metric"] as const;

const option = (value: string) => ({ text: value, value, selected: false });

function choice(name: string, label: string, values: readonly string[]) {
  const first = values[0] ?? "";
  return new CustomVariableBuilder(name)
    .label(label)
    .values(values.join(","))
    .current({ text: first, value: first, selected: true })
    .options(values.map((v, i) => ({ ...option(v), selected: i === 0 })));
}

/** The values of the chosen hyper-parameter in the chosen sweep: one panel per value. */
function cellVariable() {
  const query = 'label_values(hypersweep_trial_loss{sweep="$sweep"}, $by)';
  return allValuesVariable("cell", "Value", query, VariableSort.NaturalAsc);
}

function gridPanel() {
  const selector = (split: string) =>
    `hypersweep_trial_$metric{sweep="$sweep", $by="$cell", split="${split}"}`;
  return new TimeseriesBuilder()
    .title("$by = $cell")
    .description("Train (solid) and validation (dashed) curves of the trials in this cell.")
    .datasource(DATASOURCE)
    .repeat("cell")
    .repeatDirection("h")
    .maxPerRow(4)
    .height(9)
    .span(8)
    .withTarget(prom(selector("train"), `${TRIAL_LEGEND} train`))
    .withTarget(prom(selector("validation"), `${TRIAL_LEGEND} validation`, { refId: "B" }))
    .overrideByQuery("B", [{ id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } }]);
}

/** The seed figure, live: one panel per value of `$by`, train and validation curves of `$metric`. */
export function comparisonDashboard() {
  return new DashboardBuilder("Hypersweep / Comparison grid")
    .uid(UIDS.comparison)
    .tags(["hypersweep"])
    .refresh("10s")
    .time({ from: "now-1h", to: "now" })
    .withVariable(sweepVariable({ multi: false }))
    .withVariable(choice("by", "Split by", BY_VALUES))
    .withVariable(choice("metric", "Curve", METRIC_VALUES))
    .withVariable(cellVariable())
    .withPanel(gridPanel())
    .build();
}
