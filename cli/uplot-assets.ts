/** uPlot's browser build and stylesheet, read from node_modules to be inlined into a report (no CDN, no network). */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface UplotAssets {
  js: string;
  css: string;
}

export function readUplotAssets(): UplotAssets {
  // The package's main entry lives in dist/, beside the IIFE build that defines the global uPlot.
  const dist = dirname(createRequire(import.meta.url).resolve("uplot"));
  return { js: readFileSync(join(dist, "uPlot.iife.min.js"), "utf8"), css: readFileSync(join(dist, "uPlot.min.css"), "utf8") };
}
