/** Worker defaults, import-free so the CLI's `--help` can show them without loading a worker. */

/** How long a worker waits for its servers by default (`--connect-timeout`). */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 600;
