/**
 * `npm run build:dashboard`: bundles the dashboard (dashboard/*.ts, uPlot and the CSS) into
 * public/assets/, which the worker serves as static assets. wrangler.toml's `[build]` runs it
 * before every `wrangler dev` and `wrangler deploy` (so `npm run demo`, `npm start`, the tests that
 * start wrangler dev and CI's dry-run bundle all build it first); the output is not committed.
 *
 * The run form and the history filters are built from JSON Schemas generated here from the zod
 * schemas that validate the API's requests: the page offers what the API takes, no second copy.
 *
 * `wrangler dev` runs a custom build twice as it starts (once for the first bundle, once when its
 * file watcher is ready): a build whose output is newer than every input is skipped.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const OUT_DIR = "public/assets";
const OUTPUTS = ["dashboard.js", "dashboard.css"].map((f) => join(OUT_DIR, f));
/** Everything the bundle is made of: the page, the worker modules it and the schemas import, uPlot, this script. */
const INPUTS = ["dashboard", "src", "node_modules/uplot/package.json", "scripts/build-dashboard.ts"];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

const built = OUTPUTS.every(existsSync) ? Math.min(...OUTPUTS.map((f) => statSync(f).mtimeMs)) : 0;
if (built > Math.max(...INPUTS.map(newestMtime)) && !process.argv.includes("--force")) process.exit(0);

// Imported only when building: the schemas pull in a good part of the worker's modules.
const [{ build }, { z }, { historyQuery, startTestRequest }] = await Promise.all([import("esbuild"), import("zod"), import("../src/api/schemas")]);
const schemas = {
  startTestRequest: z.toJSONSchema(startTestRequest, { io: "input" }),
  historyQuery: z.toJSONSchema(historyQuery, { io: "input" }),
};

await build({
  entryPoints: { dashboard: "dashboard/main.ts" },
  outdir: OUT_DIR,
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  define: { API_SCHEMAS: JSON.stringify(schemas) },
  logLevel: "warning",
});
