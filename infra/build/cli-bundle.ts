/**
 * Builds the CLI into `dist/` as plain JavaScript (esbuild, npm packages left external), so a
 * command starts without transpiling TypeScript. Run by `npm run build` (and so by `npm ci`'s
 * `prepare`). `bin/hypersweep.js` uses the bundle only while `dist/manifest.json` says every
 * source it was built from is unchanged; otherwise it runs the sources through tsx.
 */
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OUT = resolve(ROOT, "dist");

/**
 * Code finds its files relative to its own source (`new URL("../x", import.meta.url)`); in a
 * bundle every module shares one URL, so each module's `import.meta.url` is pointed back at its
 * source file, relative to the bundle so the clone can move.
 */
const sourceRelativeUrls: Plugin = {
  name: "source-relative-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const rel = relative(OUT, args.path).split("\\").join("/");
      const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
      return { contents: source.replaceAll("import.meta.url", url), loader: "ts" };
    });
  },
};

export async function buildCli(): Promise<string[]> {
  await rm(OUT, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: "cli/main.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    splitting: true,
    outdir: OUT,
    outExtension: { ".js": ".mjs" },
    metafile: true,
    logLevel: "warning",
    plugins: [sourceRelativeUrls],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith("node_modules/"));
  const sources: Record<string, number> = {};
  for (const p of inputs) sources[p] = (await stat(resolve(ROOT, p))).mtimeMs;
  await writeFile(resolve(OUT, "manifest.json"), JSON.stringify({ entry: "main.mjs", sources }));
  return inputs;
}

const inputs = await buildCli();
process.stderr.write(`hypersweep: built dist/ from ${inputs.length} sources\n`);
