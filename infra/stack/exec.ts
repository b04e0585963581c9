import { execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";

/** True when `path` is an executable file. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves a command on the PATH (the shell reads PATH, so infra code never does). */
export function findOnPath(command: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("sh", ["-c", 'command -v "$0"', command], (error, stdout) => {
      const found = stdout.trim();
      resolve(error || !found.startsWith("/") ? undefined : found);
    });
  });
}

export interface RunResult {
  code: number;
  /** Combined stdout and stderr, last 64 KiB. */
  output: string;
}

/**
 * Runs a command to completion, capturing its output; `onLine` sees each output line
 * (long installs show that they are alive). Never rejects on a non-zero exit.
 */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output = (output + text).slice(-65_536);
      if (options.onLine)
        for (const line of text.split("\n")) if (line.trim()) options.onLine(line);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", (error) => resolve({ code: 127, output: `${output}${error.message}` }));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The last lines of a command's output, for an error message. */
export function lastLines(text: string, lines = 10): string {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-lines)
    .join("\n");
}
