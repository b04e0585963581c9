/**
 * `hypersweep results ID | head`: once the reader closes the pipe, further writes fail with
 * EPIPE. That ends the output, not the command with a stack trace: exit quietly.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
}

/** Writes `value` as JSON, or the text `text()` renders, with a final newline. */
export function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}
