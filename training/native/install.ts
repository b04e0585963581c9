import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import {
  cacheRoot,
  installDir,
  type Manifest,
  manifestPath,
  NATIVE_SPECS,
  type NativeBackend,
  TOOLS,
} from "./layout";
import { probeBackend } from "./probe";

export type Log = (line: string) => void;

/** A failed install step: names the step and carries the tail of its output. */
export class BackendInstallError extends Error {
  override name = "BackendInstallError";
}

function run(cmd: string, args: string[], cwd: string, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const keep = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (e) => reject(new BackendInstallError(`${cmd}: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0) return resolve();
      log(tail);
      reject(new BackendInstallError(`\`${cmd} ${args.join(" ")}\` failed (exit ${code})`));
    });
  });
}

const gpuVisible = () => existsSync("/dev/nvidia0") || existsSync("/proc/driver/nvidia/version");

/** Only what the addon needs from the wheel: the two shared libraries and the C API headers. */
const EXTRACT = `
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
libs = ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2")
inc = tuple("tensorflow/include/" + p for p in ("tensorflow/c/", "tensorflow/core/platform/", "tsl/", "xla/tsl/"))
z.extractall(sys.argv[2], [n for n in z.namelist() if n in libs or n.startswith(inc)])
`;

/** The wheel's libraries and headers under `site/`, laid out as pip lays them out. */
async function installWheel(
  name: NativeBackend,
  dir: string,
  log: Log,
): Promise<string | undefined> {
  const s = NATIVE_SPECS[name];
  const site = join(dir, "site");
  rmSync(site, { recursive: true, force: true });
  if (s.gpuExtra && gpuVisible()) {
    // The CUDA wheels must sit next to tensorflow/: its RUNPATH is $ORIGIN/../nvidia/*/lib.
    log(`pip install ${s.wheel}[${s.gpuExtra}]==${s.version} (GPU seen)`);
    const req = `${s.wheel}[${s.gpuExtra}]==${s.version}`;
    await run("python3", ["-m", "pip", "install", "-q", "--target", site, req], dir, log);
    return s.gpuExtra;
  }
  const wheels = join(cacheRoot(), "backends", "wheels");
  mkdirSync(wheels, { recursive: true });
  log(`pip download ${s.wheel}==${s.version} (cached in ${wheels})`);
  const req = `${s.wheel}==${s.version}`;
  await run(
    "python3",
    ["-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", wheels, req],
    dir,
    log,
  );
  const prefix = `${s.wheel.replaceAll("-", "_")}-${s.version}-`;
  const wheel = readdirSync(wheels).find((f) => f.startsWith(prefix) && f.endsWith(".whl"));
  if (!wheel) throw new BackendInstallError(`pip left no ${prefix}*.whl in ${wheels}`);
  log(`extracting libraries and C headers from ${wheel}`);
  await run("python3", ["-c", EXTRACT, join(wheels, wheel), site], dir, log);
  return undefined;
}

/** tfjs-node's published sources (no install script run) plus the one module its kernels need. */
async function installSources(name: NativeBackend, dir: string, log: Log): Promise<string> {
  const s = NATIVE_SPECS[name];
  const pkgDir = join(dir, "node_modules", s.npm);
  rmSync(join(dir, "node_modules"), { recursive: true, force: true });
  log(`npm: google-protobuf@${TOOLS.googleProtobuf}, ${s.npm}@${s.npmVersion} sources`);
  const quiet = ["--no-save", "--no-package-lock", "--ignore-scripts", "--no-audit", "--no-fund"];
  await run(
    "npm",
    ["install", "--prefix", dir, ...quiet, `google-protobuf@${TOOLS.googleProtobuf}`],
    dir,
    log,
  );
  await run("npm", ["pack", "-q", `${s.npm}@${s.npmVersion}`, "--pack-destination", dir], dir, log);
  const tgz = readdirSync(dir).find((f) => f.endsWith(`-${s.npmVersion}.tgz`));
  if (!tgz) throw new BackendInstallError(`npm pack left no tarball in ${dir}`);
  mkdirSync(pkgDir, { recursive: true });
  await run("tar", ["xzf", join(dir, tgz), "-C", pkgDir, "--strip-components=1"], dir, log);
  rmSync(join(dir, tgz));
  return pkgDir;
}

/** binding.gyp expects deps/include and deps/lib; deps/lib is the wheel's tensorflow/ folder itself. */
function linkDeps(pkgDir: string, site: string): void {
  const tfDir = join(site, "tensorflow");
  symlinkSync("libtensorflow_cc.so.2", join(tfDir, "libtensorflow.so"));
  symlinkSync("libtensorflow_framework.so.2", join(tfDir, "libtensorflow_framework.so"));
  mkdirSync(join(pkgDir, "deps"), { recursive: true });
  symlinkSync(tfDir, join(pkgDir, "deps", "lib"));
  symlinkSync(join(tfDir, "include"), join(pkgDir, "deps", "include"));
}

async function buildAddon(pkgDir: string, log: Log): Promise<string> {
  const tools = join(cacheRoot(), "backends", "tools");
  const gyp = join(tools, "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (!existsSync(gyp)) {
    log(`npm: node-gyp@${TOOLS.nodeGyp} (once, in ${tools})`);
    mkdirSync(tools, { recursive: true });
    const quiet = ["--no-save", "--no-package-lock", "--no-audit", "--no-fund"];
    await run(
      "npm",
      ["install", "--prefix", tools, ...quiet, `node-gyp@${TOOLS.nodeGyp}`],
      tools,
      log,
    );
  }
  // Node's own headers (Debian's nodejs and the official tarballs ship include/node); else node-gyp fetches them.
  const prefix = dirname(dirname(process.execPath));
  const nodedir = existsSync(join(prefix, "include", "node", "common.gypi"))
    ? [`--nodedir=${prefix}`]
    : [];
  const napi = `napi-v${TOOLS.napiVersion}`;
  log(`node-gyp rebuild (${napi}, headers ${nodedir.length ? prefix : "downloaded"})`);
  const args = [gyp, "rebuild", ...nodedir, `--napi_build_version=${TOOLS.napiVersion}`];
  args.push(
    "--module_name=tfjs_binding",
    `--module_path=lib/${napi}`,
    "-j",
    String(availableParallelism()),
  );
  await run(process.execPath, args, pkgDir, log);
  return join(pkgDir, "build", "Release", "tfjs_binding.node");
}

/**
 * Installs a native backend into the cache: the pinned TensorFlow wheel's libraries, tfjs-node's
 * addon built against them with node-gyp, then a load check in a child process. Idempotent: an
 * installed backend (manifest present) is kept unless `force`.
 */
export async function installBackend(
  name: NativeBackend,
  opts: { log?: Log; force?: boolean } = {},
): Promise<Manifest> {
  const log = opts.log ?? (() => {});
  const dir = installDir(name);
  if (!opts.force && existsSync(manifestPath(name))) {
    log(`${name} already installed in ${dir}`);
    const probe = await probeBackend(name);
    if (probe.loadable) return probe.manifest!;
    log(`but it does not load (${probe.error}); reinstalling`);
  }
  const t0 = performance.now();
  rmSync(manifestPath(name), { force: true });
  mkdirSync(dir, { recursive: true });
  const extra = await installWheel(name, dir, log);
  const pkgDir = await installSources(name, dir, log);
  linkDeps(pkgDir, join(dir, "site"));
  const addon = await buildAddon(pkgDir, log);
  const s = NATIVE_SPECS[name];
  const manifest: Manifest = {
    backend: name,
    ...{ wheel: s.wheel, version: s.version, npm: s.npm, npmVersion: s.npmVersion },
    ...(extra ? { extra } : {}),
    addon,
    packageDir: pkgDir,
    installedAt: new Date().toISOString(),
    installSeconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  writeFileSync(manifestPath(name), `${JSON.stringify(manifest, null, 2)}\n`);
  const probe = await probeBackend(name);
  if (!probe.loadable) {
    rmSync(manifestPath(name), { force: true });
    throw new BackendInstallError(`${name} was built but does not load: ${probe.error}`);
  }
  log(`${name} ${probe.version} loads; GPUs seen: ${probe.gpus.length}`);
  return manifest;
}
