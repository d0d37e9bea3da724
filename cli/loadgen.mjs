#!/usr/bin/env node
/**
 * The `loadgen` command (package.json "bin"). The CLI is TypeScript; it runs from one esbuild
 * bundle kept in node_modules/.cache/loadgen and rebuilt whenever a file it was built from has
 * changed. No build step, nothing stale, and a start costs plain node: through tsx's loader every
 * command spent seconds starting on a busy machine.
 */
import { buildSync } from "esbuild";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache = join(root, "node_modules", ".cache", "loadgen");
const bundle = join(cache, "loadgen.mjs");
const manifest = join(cache, "inputs.json");
// This file's own options shape the bundle too.
const SELF = "cli/loadgen.mjs";

function stamp(file) {
  try {
    const s = statSync(join(root, file));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return "missing";
  }
}

function fresh() {
  try {
    const inputs = JSON.parse(readFileSync(manifest, "utf8"));
    return statSync(bundle).isFile() && Object.entries(inputs).every(([file, was]) => stamp(file) === was);
  } catch {
    return false;
  }
}

/** Written beside and renamed: commands started together never read half a file. */
function writeAtomically(path, contents) {
  writeFileSync(`${path}.${process.pid}`, contents);
  renameSync(`${path}.${process.pid}`, path);
}

if (!fresh()) {
  const startedAt = Date.now();
  const result = buildSync({
    absWorkingDir: root,
    entryPoints: ["cli/main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Dependencies load from node_modules as they are; only the project's own sources are bundled.
    packages: "external",
    metafile: true,
    write: false,
    logLevel: "error",
  });
  mkdirSync(cache, { recursive: true });
  writeAtomically(bundle, result.outputFiles[0].contents);
  const inputs = Object.fromEntries([...Object.keys(result.metafile.inputs), SELF].map((file) => [file, stamp(file)]));
  // A source edited while the bundle was built: leave no manifest, so the next start builds again.
  const editedMeanwhile = Object.keys(inputs).some((file) => statSync(join(root, file)).mtimeMs >= startedAt);
  if (!editedMeanwhile) writeAtomically(manifest, JSON.stringify(inputs));
}

await import(pathToFileURL(bundle).href);
