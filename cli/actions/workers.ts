import type { Command } from "commander";
import { parseRelay, startRelays } from "../../infra/stack/relay";
import { startDiscoveryServer } from "../../metrics/http-sd";
import { ArtifactStore } from "../../storage/store";
import { listLiveWorkers, type WorkerEntry } from "../../workers/registry";
import { configFrom } from "../context";
import { print } from "../output";

const ago = (iso: string) => `${Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))} s`;

/** One block per pool: id, host, backend, devices, slots, metrics URL, last heartbeat. */
export function formatWorkers(workers: WorkerEntry[]): string {
  if (workers.length === 0)
    return "no live workers (start one with `hypersweep worker --pool NAME`)";
  const pools = [...new Set(workers.map((w) => w.pool))];
  return pools
    .map((pool) => {
      const mine = workers.filter((w) => w.pool === pool);
      const slots = mine.reduce((n, w) => n + w.slots, 0);
      const rows = mine.map(
        (w) =>
          `  ${w.workerId}  ${w.host}  ${w.backend} on ${w.devices.join(",")}  ${w.slots} slot(s)  ${w.metricsUrl}  seen ${ago(w.lastSeen)} ago`,
      );
      return [`pool ${pool}: ${mine.length} process(es), ${slots} slot(s)`, ...rows].join("\n");
    })
    .join("\n");
}

export async function listWorkers(cmd: Command, json: boolean): Promise<void> {
  const workers = await listLiveWorkers(new ArtifactStore(configFrom(cmd).s3));
  print(json, workers, () => formatWorkers(workers));
}

/** Runs until SIGTERM/SIGINT (`stack down`); also relays Temporal when `stack up --listen` asks. */
export async function serveDiscovery(
  cmd: Command,
  flags: { port: number; host: string; relay: string[] },
): Promise<void> {
  const store = new ArtifactStore(configFrom(cmd).s3);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const relays = await startRelays(flags.relay.map(parseRelay));
  for (const r of flags.relay) log(`hypersweep discovery: relaying ${r.replace("=", " to ")}`);
  const server = await startDiscoveryServer({
    host: flags.host,
    port: flags.port,
    list: () => listLiveWorkers(store),
    log,
  });
  log(`hypersweep discovery: serving http://${flags.host}:${server.port}/sd`);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await Promise.all([server.close(), relays.close()]);
}
