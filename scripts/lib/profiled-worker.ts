/**
 * The worker as `wrangler deploy` bundles it, served by Miniflare itself with workerd's own
 * inspector open, for `npm run profile`.
 *
 * Why not `wrangler dev --inspector-port`: wrangler's inspector proxy holds workerd's one inspector
 * session, and a CPU profile asked for through it comes back with two samples (wrangler 4.86).
 * Here nothing sits between the profiler and workerd, and no Network domain is turned on, so the
 * profile shows the worker's own CPU, as deployed code spends it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { freePort } from "./processes";

const run = promisify(execFile);
const WRANGLER = join(process.cwd(), "node_modules", "wrangler", "bin", "wrangler.js");

export interface ProfiledWorker {
  url: string;
  /** The DevTools WebSocket of the worker's isolate (the Hono worker and every Durable Object). */
  inspectorUrl: string;
  /** The bundle's source map: what maps the profile's frames back to the sources. */
  sourceMap: string;
  stop: () => Promise<void>;
}

export async function startProfiledWorker(vars: Record<string, string>): Promise<ProfiledWorker> {
  const dir = mkdtempSync(join(tmpdir(), "loadgen-profile-"));
  const outdir = join(dir, "dist");
  const persist = join(dir, "state");
  const env = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" };
  await run(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", outdir], { env });
  await run(process.execPath, [WRANGLER, "d1", "migrations", "apply", "loadgen", "--local", "--persist-to", persist], { env });
  const { workerOptions } = unstable_getMiniflareWorkerOptions("wrangler.toml");
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const wasm = readdirSync(outdir).filter((f) => f.endsWith(".wasm"));
  const mf = new Miniflare({
    ...workerOptions,
    // The dashboard's files are not what is profiled.
    assets: undefined,
    name: "edge-loadgen",
    modules: [
      { type: "ESModule", path: join(outdir, "index.js") },
      ...wasm.map((f) => ({ type: "CompiledWasm" as const, path: join(outdir, f) })),
    ],
    modulesRoot: outdir,
    bindings: { ...workerOptions.bindings, ...vars },
    defaultPersistRoot: join(persist, "v3"),
    host: "127.0.0.1",
    port,
    inspectorPort,
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    url,
    inspectorUrl: `ws://127.0.0.1:${inspectorPort}/core:user:edge-loadgen`,
    sourceMap: join(outdir, "index.js.map"),
    stop: async () => {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}
