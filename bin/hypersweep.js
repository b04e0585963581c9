#!/usr/bin/env node
// Runs the CLI from the JavaScript bundle in dist/ (`npm run build`, done by `npm ci`) when it is
// current, else from the TypeScript sources through tsx: a fresh clone or an edited source is
// never run stale, only slower. HYPERSWEEP_FROM_SOURCE=1 always runs the sources.
import { readFileSync, statSync } from "node:fs";

const dist = new URL("../dist/", import.meta.url);

function currentBundle() {
  try {
    const manifest = JSON.parse(readFileSync(new URL("manifest.json", dist), "utf8"));
    const root = new URL("../", import.meta.url);
    for (const [path, mtimeMs] of Object.entries(manifest.sources)) {
      if (statSync(new URL(path, root)).mtimeMs !== mtimeMs) return undefined;
    }
    return new URL(manifest.entry, dist);
  } catch {
    return undefined;
  }
}

const bundle = process.env.HYPERSWEEP_FROM_SOURCE === "1" ? undefined : currentBundle();
if (bundle) {
  await import(bundle.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli/main.ts");
}
