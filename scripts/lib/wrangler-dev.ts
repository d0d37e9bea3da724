/** `wrangler dev` with local D1 migrations applied, pointed at a chain, as the demo and e2e tests use it. */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, startProcess, waitUntil, type Managed } from "./processes";

const run = promisify(execFile);
const WRANGLER = join(process.cwd(), "node_modules", "wrangler", "bin", "wrangler.js");

export interface WranglerDev extends Managed {
  url: string;
  persistDir: string;
}

export interface WranglerDevOptions {
  rpcUrl: string;
  vars?: Record<string, string>;
  persistDir?: string;
  /** More `wrangler dev` arguments (e.g. `--inspector-port` for a profile). */
  extraArgs?: string[];
}

export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "loadgen-"));
  await run(process.execPath, [WRANGLER, "d1", "migrations", "apply", "loadgen", "--local", "--persist-to", persistDir], {
    env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
  });
  const vars = { BUILDER_RPC_URL: options.rpcUrl, L2_RPC_URL: options.rpcUrl, EXECUTION_LAYER: "anvil", ...options.vars };
  const args = ["--persist-to", persistDir, ...(options.extraArgs ?? [])];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  return { ...(await startWrangler(args, "/v1/health")), persistDir };
}

/** `wrangler dev` on a free port with extra arguments, ready once `readyPath` answers 2xx. */
export async function startWrangler(extraArgs: string[], readyPath: string): Promise<Managed & { url: string }> {
  const port = await freePort();
  const args = [WRANGLER, "dev", "--port", String(port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false", ...extraArgs];
  const proc = startProcess(process.execPath, args, { ...process.env, WRANGLER_SEND_METRICS: "false" });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil("wrangler dev", async () => (await fetch(`${url}${readyPath}`)).ok, 90_000, proc.child).catch(async (err) => {
    await proc.stop();
    throw new Error(`${err.message}\n${proc.output()}`);
  });
  return { ...proc, url };
}
