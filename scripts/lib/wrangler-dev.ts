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
}

export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "loadgen-"));
  await run(process.execPath, [WRANGLER, "d1", "migrations", "apply", "loadgen", "--local", "--persist-to", persistDir], {
    env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
  });
  const port = await freePort();
  const vars = { BUILDER_RPC_URL: options.rpcUrl, L2_RPC_URL: options.rpcUrl, EXECUTION_LAYER: "anvil", ...options.vars };
  const args = [WRANGLER, "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persistDir, "--show-interactive-dev-session=false"];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const proc = startProcess(process.execPath, args, { ...process.env, WRANGLER_SEND_METRICS: "false" });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil("wrangler dev", async () => (await fetch(`${url}/v1/health`)).ok, 90_000, proc.child).catch((err) => {
    throw new Error(`${err.message}\n${proc.output()}`);
  });
  return { ...proc, url, persistDir };
}
