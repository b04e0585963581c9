import { DefaultLogger, type LogLevel, Runtime } from "@temporalio/worker";

let installed = false;

/** Installs the Temporal runtime once per process, logging at `level` (default WARN). */
export function installRuntime(level: LogLevel = "WARN"): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger(level) });
}
