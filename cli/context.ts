import type { Command } from "commander";
import { type ConfigOverrides, type HypersweepConfig, loadConfig } from "../config";

/** The one place the CLI turns environment + global flags into a config. */
export function configFrom(cmd: Command, overrides: ConfigOverrides = {}): HypersweepConfig {
  const globals = cmd.optsWithGlobals<{ stateDir?: string }>();
  return loadConfig(process.env, {
    ...(globals.stateDir ? { stateDir: globals.stateDir } : {}),
    ...overrides,
  });
}
