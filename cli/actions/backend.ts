import {
  installBackend,
  NATIVE_BACKENDS,
  NATIVE_SPECS,
  type NativeBackend,
  type ProbeResult,
  probeBackend,
} from "../../training/native";
import { table } from "../format";

const withCacheDir = (flags: { cacheDir?: string }) => {
  if (flags.cacheDir) process.env.HYPERSWEEP_CACHE_DIR = flags.cacheDir;
};

const devices = (p: ProbeResult) =>
  p.gpus.length ? p.gpus.map((g) => `${g.name} ${g.memoryMiB} MiB`).join("; ") : "cpu";

function statusText(probes: ProbeResult[]): string {
  const rows = probes.map((p) => {
    const s = NATIVE_SPECS[p.backend];
    return [
      p.backend,
      p.installed
        ? `yes (${s.wheel}==${s.version}${p.manifest?.extra ? `[${p.manifest.extra}]` : ""})`
        : "no",
      p.loadable ? "yes" : "no",
      p.version ?? "-",
      p.loadable ? devices(p) : (p.error ?? "-"),
    ];
  });
  rows.push(["wasm", "built in", "yes", "-", "cpu"], ["cpu", "built in", "yes", "-", "cpu"]);
  return table(["backend", "installed", "loadable", "version", "devices / why not"], rows);
}

/** `backend install <name>`: the wheel, the addon build, the load check; progress on stderr. */
export async function installAction(
  name: NativeBackend,
  flags: { force?: boolean; cacheDir?: string },
) {
  withCacheDir(flags);
  const t0 = performance.now();
  const log = (line: string) => process.stderr.write(`backend install: ${line}\n`);
  const m = await installBackend(name, { log, ...(flags.force ? { force: true } : {}) });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`${name}: installed in ${m.packageDir} (${s} s)\n`);
}

/** `backend status [--json]`: each native backend probed in a child process. */
export async function statusAction(flags: { json?: boolean; cacheDir?: string }) {
  withCacheDir(flags);
  const probes = await Promise.all(NATIVE_BACKENDS.map((n) => probeBackend(n)));
  if (flags.json) {
    const out = probes.map(({ manifest, ...p }) => ({ ...p, extra: manifest?.extra ?? null }));
    process.stdout.write(`${JSON.stringify({ backends: out }, null, 2)}\n`);
  } else process.stdout.write(`${statusText(probes)}\n`);
}
