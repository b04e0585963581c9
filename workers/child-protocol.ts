/**
 * The protocol between a worker and its training children. A child runs over an IPC channel;
 * it tells its parent why it stops with an exit code (and a message for a fatal stop), and it
 * watches the channel so it never outlives its parent, however the parent died.
 */

/** Drained its trials and exited to free its memory: restart at once, no back-off. */
export const EXIT_RECYCLE = 75;
/** Cannot start (port taken, bad credentials, unknown namespace): restarting would not help. */
export const EXIT_FATAL = 78;

export type ChildMessage = { type: "fatal"; message: string };

export function isChildMessage(value: unknown): value is ChildMessage {
  const m = value as { type?: unknown; message?: unknown } | null;
  return m?.type === "fatal" && typeof m.message === "string";
}

/** Milliseconds a child whose parent died gets to finish its epoch and checkpoint before it exits. */
export const ORPHAN_GRACE_MS = 2000;

/** True in a process a worker started as its training child. */
export function isPoolChild(): boolean {
  return typeof process.send === "function";
}

/**
 * Calls `onOrphaned` once when the parent is gone: the IPC channel closes on any death of the
 * parent, SIGKILL included; a changed parent pid is the fallback. The channel does not keep
 * this process alive.
 */
export function watchParent(onOrphaned: () => void): void {
  if (!isPoolChild()) return;
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    clearInterval(poll);
    onOrphaned();
  };
  const parent = process.ppid;
  const poll = setInterval(() => {
    if (process.ppid !== parent) fire();
  }, 1000);
  poll.unref();
  process.once("disconnect", fire);
  process.channel?.unref();
}

/** Tells the parent why this child cannot run, then exits with EXIT_FATAL. */
export async function exitFatal(message: string): Promise<never> {
  if (process.send && process.connected) {
    await new Promise<void>((resolve) => {
      process.send?.({ type: "fatal", message } satisfies ChildMessage, undefined, {}, () =>
        resolve(),
      );
    });
  }
  process.exit(EXIT_FATAL);
}
