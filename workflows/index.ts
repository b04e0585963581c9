export { sweepWorkflow } from "./sweep";
