import { TableCellDisplayMode } from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  FieldColorBuilder,
  FieldColorModeId,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TableBuilder } from "@grafana/grafana-foundation-sdk/table";
import { columns, DATASOURCE, prom, sweepVariable, TRIAL_COLUMNS, UIDS } from "./common";

const BY_TRIAL = `max by (${TRIAL_COLUMNS.join(", ")})`;
/** The last value a per-trial series had in the range: it outlives the series' expiry. */
const final = (metric: string, split?: string) =>
  `last_over_time(${metric}{sweep="$sweep"${split ? `, split="${split}"` : ""}}[$__range])`;

/**
 * Final validation metric over lr × momentum, as a colour-graded matrix (Grafana's heatmap
 * panel needs a numeric or time x axis; a grid is categorical). Seeds and optimizers averaged.
 */
function heatmap() {
  const expr = `avg by (lr, momentum) (${final("hypersweep_trial_metric", "validation")})`;
  return new TableBuilder()
    .title("Final validation metric: lr × momentum")
    .description("Mean over seeds and optimizers. Rows: learning rate; columns: momentum.")
    .datasource(DATASOURCE)
    .height(10)
    .span(12)
    .withTarget(prom(expr, columns(["lr", "momentum"]), { table: true }))
    .withTransformation({
      id: "groupingToMatrix",
      options: { rowField: "lr", columnField: "momentum", valueField: "Value" },
    })
    .cellOptions({ type: TableCellDisplayMode.ColorBackground })
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.ContinuousRdYlGr));
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
        `${BY_TRIAL} (${final("hypersweep_trial_loss", "validation")})`,
        columns(TRIAL_COLUMNS),
        {
          table: true,
        },
      ),
    )
    .withTarget(
      prom(
        `${BY_TRIAL} (${final("hypersweep_trial_metric", "validation")})`,
        columns(TRIAL_COLUMNS),
        {
          table: true,
          refId: "B",
        },
      ),
    )
    .withTarget(
      prom(`${BY_TRIAL} (${final("hypersweep_trial_epoch")})`, columns(TRIAL_COLUMNS), {
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

/** Outcome of a sweep: the final-metric grid and the leaderboard. */
export function outcomeDashboard() {
  return new DashboardBuilder("Hypersweep / Outcome")
    .uid(UIDS.outcome)
    .tags(["hypersweep"])
    .refresh("30s")
    .time({ from: "now-6h", to: "now" })
    .withVariable(sweepVariable({ multi: false }))
    .withPanel(heatmap())
    .withPanel(leaderboard())
    .build();
}
