/** anvil (unless an RPC URL is given) + `wrangler dev` with migrations applied, stopped together. */
import { startAnvil, type Anvil } from "./anvil";
import { startWranglerDev, type WranglerDev } from "./wrangler-dev";

export interface LocalStack {
  apiUrl: string;
  rpcUrl: string;
  anvil?: Anvil;
  dev: WranglerDev;
  stop: () => Promise<void>;
}

export async function startLocalStack(
  options: { rpcUrl?: string; blockTimeSec?: number; vars?: Record<string, string>; persistDir?: string; stateRoot?: string } = {},
): Promise<LocalStack> {
  const anvil = options.rpcUrl ? undefined : await startAnvil({ blockTimeSec: options.blockTimeSec ?? 1 });
  const rpcUrl = options.rpcUrl ?? anvil!.url;
  let dev: WranglerDev;
  try {
    dev = await startWranglerDev({ rpcUrl, vars: options.vars, persistDir: options.persistDir, stateRoot: options.stateRoot });
  } catch (err) {
    await anvil?.stop();
    throw err;
  }
  return {
    apiUrl: dev.url,
    rpcUrl,
    anvil,
    dev,
    stop: async () => {
      try {
        await dev.stop();
      } finally {
        await anvil?.stop();
      }
    },
  };
}
