/** What every route that signs asks first: which chain the builder RPC is, and who funds it. */
import { funderSource, type Env, type FunderSource, type RuntimeConfig } from "../config";
import { ApiError } from "../errors";
import { JsonRpcClient, fromHex } from "../chain/rpc";

const CHAIN_ID_TIMEOUT_MS = 5_000;

/** The builder's chain id; 503 when it does not answer. */
export async function builderChainId(config: RuntimeConfig): Promise<number> {
  try {
    return fromHex(await new JsonRpcClient(config.builderRpcUrl, CHAIN_ID_TIMEOUT_MS, { maxResponseBytes: config.rpcMaxResponseBytes }).call<string>("eth_chainId"));
  } catch (err) {
    throw new ApiError(503, `builder RPC did not answer eth_chainId: ${err instanceof Error ? err.message : err}`);
  }
}

/** The funder of `chainId`; 422 on a chain that is not a dev chain when no funder secret is set. */
export function requireFunder(env: Env, chainId: number): FunderSource {
  const source = funderSource(env, chainId);
  if (!source) {
    throw new ApiError(422, `chain ${chainId} is not a dev chain and no funder is configured: set the FUNDER_PRIVATE_KEY or FUNDER_MNEMONIC secret`);
  }
  return source;
}
