/** A real anvil from the @foundry-rs/anvil npm package, on a free port. */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { jsonRpc } from "./json-rpc";
import { freePort, startProcess, waitUntil, type Managed } from "./processes";

const require = createRequire(import.meta.url);

export function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
  return join(dirname(pkg), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
}

export interface Anvil extends Managed {
  url: string;
  port: number;
}

export interface AnvilOptions {
  blockTimeSec?: number;
  port?: number;
  /** Chain id (anvil's default: 31337, the dev chain). */
  chainId?: number;
  /** Extra accounts beyond the default ten: none are needed, senders are derived and funded. */
  args?: string[];
}

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const port = options.port ?? (await freePort());
  const args = ["--host", "127.0.0.1", "--port", String(port), "--silent", "--block-time", String(options.blockTimeSec ?? 1), ...(options.chainId === undefined ? [] : ["--chain-id", String(options.chainId)]), ...(options.args ?? [])];
  const proc = startProcess(anvilBinary(), args);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil("anvil", async () => (await jsonRpc(url, "eth_chainId")) !== undefined, 30_000, proc.child);
  return { ...proc, url, port };
}
