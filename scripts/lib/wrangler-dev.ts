/** The worker served locally with D1 migrations applied, pointed at a chain, as the demo and e2e tests use it. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, startProcess, waitUntil, type Managed } from "./processes";

const run = promisify(execFile);
const WRANGLER = join(process.cwd(), "node_modules", "wrangler", "bin", "wrangler.js");
const DEV_WORKER = join(process.cwd(), "scripts", "dev-worker.ts");

export interface WranglerDev extends Managed {
  url: string;
  persistDir: string;
}

export interface WranglerDevOptions {
  rpcUrl: string;
  vars?: Record<string, string>;
  persistDir?: string;
  /** Where the temporary state directory goes without a `persistDir` (default: the OS's temp directory). */
  stateRoot?: string;
  /**
   * Serve through `wrangler dev` itself, with these more arguments (e.g. `--inspector-port` for a
   * profile). Without it the worker is served by scripts/dev-worker.ts: wrangler's dev server with
   * the inspector off, whose relay of every outbound fetch costs more CPU than the worker itself.
   */
  wranglerDevArgs?: string[];
}

/**
 * The worker on a free port with local D1 migrations applied, pointed at `rpcUrl`. Without a
 * `persistDir` its state goes to a temporary directory that `stop` removes (a run leaves hundreds
 * of MB of Durable Object storage behind); a given one is the caller's, and stays.
 */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const temporary = options.persistDir === undefined;
  const persistDir = options.persistDir ?? mkdtempSync(join(options.stateRoot ?? tmpdir(), "loadgen-"));
  const removeState = () => {
    // Retried: workerd may still be closing its files when the process group's leader has gone.
    if (temporary) rmSync(persistDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  try {
    const server = await serveWorker(options, persistDir);
    return {
      ...server,
      persistDir,
      stop: async () => {
        await server.stop();
        removeState();
      },
    };
  } catch (err) {
    removeState();
    throw err;
  }
}

async function serveWorker(options: WranglerDevOptions, persistDir: string): Promise<Managed & { url: string }> {
  await run(process.execPath, [WRANGLER, "d1", "migrations", "apply", "loadgen", "--local", "--persist-to", persistDir], {
    env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
  });
  const vars = { BUILDER_RPC_URL: options.rpcUrl, L2_RPC_URL: options.rpcUrl, EXECUTION_LAYER: "anvil", ...options.vars };
  const args = ["--persist-to", persistDir];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  return options.wranglerDevArgs
    ? startWrangler([...args, ...options.wranglerDevArgs], "/v1/health")
    : serveOnFreePort("the dev worker", ["--import", "tsx", DEV_WORKER, ...args], "/v1/health");
}

/** `wrangler dev` on a free port with extra arguments, ready once `readyPath` answers 2xx. */
export function startWrangler(extraArgs: string[], readyPath: string): Promise<Managed & { url: string }> {
  return serveOnFreePort("wrangler dev", [WRANGLER, "dev", "--ip", "127.0.0.1", "--show-interactive-dev-session=false", ...extraArgs], readyPath);
}

/** Node with `args` and `--port` on a free port, ready once `readyPath` answers 2xx. */
async function serveOnFreePort(what: string, args: string[], readyPath: string): Promise<Managed & { url: string }> {
  const port = await freePort();
  const proc = startProcess(process.execPath, [...args, "--port", String(port)], { ...process.env, WRANGLER_SEND_METRICS: "false" });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(what, async () => (await fetch(`${url}${readyPath}`)).ok, 90_000, proc.child).catch(async (err) => {
    await proc.stop();
    throw new Error(`${err.message}\n${proc.output()}`);
  });
  return { ...proc, url };
}
