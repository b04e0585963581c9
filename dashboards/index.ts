export { BUILD_DIR, buildDashboards, dashboardFileContent, writeDashboards } from "./build";
export { DATASOURCE, DATASOURCE_UID, UIDS } from "./common";
export {
  collectQueries,
  collectVariableQueries,
  type DashboardQuery,
  DEFAULT_BUILTINS,
  legendLabelsOf,
  renderExpr,
  type VariableQuery,
} from "./queries";
