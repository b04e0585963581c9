import { TableCellDisplayMode } from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  FieldColorBuilder,
  FieldColorModeId,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TableBuilder } from "@grafana/grafana-foundation-sdk/table";
import {
  allValuesVariable,
  columns,
  DATASOURCE,
  linkVariables,
  prom,
  sweepLinks,
  sweepVariable,
  TRIAL_COLUMNS,
  UIDS,
} from "./common";

const BY_TRIAL = `max by (${TRIAL_COLUMNS.join(", ")})`;
/** The last value a per-trial series had in the range: it outlives the series' expiry. */
const final = (metric: string, filter: string) =>
  `last_over_time(${metric}{sweep="$sweep"${filter}}[$__range])`;

/**
 * The metric's direction per task: green must mean better, and a colour scheme cannot be
 * templated, so each task gets its own panel (the other one shows "No data").
 */
const TASKS = [
  { task: "classification", name: "accuracy", colours: FieldColorModeId.ContinuousRdYlGr },
  { task: "regression", name: "MSE", colours: FieldColorModeId.ContinuousGrYlRd },
] as const;

/** The optimizers of the chosen sweep: one outcome matrix each. */
function optimizerVariable() {
  const query = 'label_values(hypersweep_trial_metric{sweep="$sweep"}, optimizer)';
  return allValuesVariable("optimizer", "Optimizer", query, VariableSort.AlphabeticalAsc);
}

/**
 * Final validation metric over lr × momentum, as a colour-graded matrix (Grafana's heatmap
 * panel needs a numeric or time x axis; a grid is categorical), repeated per optimizer: sgd
 * and rmsprop at momentum 0 are different trials, and adam has no momentum (`none`).
 */
function heatmap({ task, name, colours }: (typeof TASKS)[number]) {
  const series = final(
    "hypersweep_trial_metric",
    `, optimizer="$optimizer", split="validation", task="${task}"`,
  );
  const better = task === "regression" ? "lower" : "higher";
  return new TableBuilder()
    .title(`Final validation ${name} (${task}), $optimizer: lr × momentum`)
    .description(
      `One matrix per optimizer; mean over seeds; ${better} is better (green). Rows: learning rate; columns: momentum (none: the optimizer has no momentum).`,
    )
    .datasource(DATASOURCE)
    .repeat("optimizer")
    .repeatDirection("h")
    .maxPerRow(3)
    .height(10)
    .span(12)
    .withTarget(
      prom(
        `avg by (optimizer, lr, momentum) (${series})`,
        columns(["optimizer", "lr", "momentum"]),
        { table: true },
      ),
    )
    .withTransformation({
      id: "groupingToMatrix",
      options: { rowField: "lr", columnField: "momentum", valueField: "Value" },
    })
    .cellOptions({ type: TableCellDisplayMode.ColorBackground })
    .colorScheme(new FieldColorBuilder().mode(colours));
}

/** Trials ranked by final validation loss (lower is better for every task). */
function leaderboard() {
  return new TableBuilder()
    .title("Leaderboard")
    .datasource(DATASOURCE)
    .height(10)
    .span(12)
    .withTarget(
      prom(
        `${BY_TRIAL} (${final("hypersweep_trial_loss", ', split="validation"')})`,
        columns(TRIAL_COLUMNS),
        {
          table: true,
        },
      ),
    )
    .withTarget(
      prom(
        `${BY_TRIAL} (${final("hypersweep_trial_metric", ', split="validation"')})`,
        columns(TRIAL_COLUMNS),
        {
          table: true,
          refId: "B",
        },
      ),
    )
    .withTarget(
      prom(`${BY_TRIAL} (${final("hypersweep_trial_epoch", "")})`, columns(TRIAL_COLUMNS), {
        table: true,
        refId: "C",
      }),
    )
    .withTransformation({ id: "merge", options: {} })
    .withTransformation({
      id: "organize",
      options: {
        excludeByName: { Time: true },
        renameByName: {
          "Value #A": "val loss",
          "Value #B": "val metric",
          "Value #C": "epochs",
        },
      },
    })
    .withTransformation({
      id: "sortBy",
      options: { sort: [{ field: "val loss", desc: false }] },
    });
}

/** Outcome of a sweep: the final-metric grids (per task and optimizer) and the leaderboard. */
export function outcomeDashboard() {
  const dashboard = new DashboardBuilder("Hypersweep / Outcome")
    .uid(UIDS.outcome)
    .tags(["hypersweep"])
    .refresh("30s")
    .time({ from: "now-6h", to: "now" })
    .withVariable(sweepVariable({ multi: false }))
    .withVariable(optimizerVariable())
    .links(sweepLinks());
  for (const variable of linkVariables()) dashboard.withVariable(variable);
  return dashboard
    .withPanel(heatmap(TASKS[0]))
    .withPanel(heatmap(TASKS[1]))
    .withPanel(leaderboard())
    .build();
}
