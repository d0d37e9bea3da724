/** What every route that signs asks first: which chain the builder RPC is, whether this API may drive it, and who funds it. */
import { funderAccount } from "../account/keys";
import { DEV_CHAIN_ID, funderSource, type Env, type FunderSource, type RuntimeConfig } from "../config";
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

/**
 * PRODUCT.md §10: without API_TOKEN the API drives dev chains only. Anything that would sign or
 * send on another chain (a start, a recycle, a schedule's runs) is refused with 401.
 */
export function requireAccessToChain(config: RuntimeConfig, chainId: number): void {
  if (chainId !== DEV_CHAIN_ID && !config.apiToken) {
    throw new ApiError(401, `chain ${chainId} is not the dev chain ${DEV_CHAIN_ID}, and without API_TOKEN this API signs and sends only on the dev chain: set the API_TOKEN secret (wrangler secret put API_TOKEN) and send it as a bearer token`);
  }
}

/** The funder of `chainId`; 422 on a chain that is not a dev chain when no funder secret is set, or when the key is not a key. */
export function requireFunder(env: Env, chainId: number): FunderSource {
  const source = funderSource(env, chainId);
  if (!source) {
    throw new ApiError(422, `chain ${chainId} is not a dev chain and no funder is configured: set the FUNDER_PRIVATE_KEY or FUNDER_MNEMONIC secret`);
  }
  try {
    funderAccount(source);
  } catch (err) {
    // funderAccount's own message, which never quotes the key.
    throw new ApiError(422, err instanceof Error ? err.message : String(err));
  }
  return source;
}

/** The chain a route is about to sign on, once it may (401) and can (422): every signing route starts here. */
export async function signingChain(env: Env, config: RuntimeConfig): Promise<{ chainId: number; funder: FunderSource }> {
  const chainId = await builderChainId(config);
  requireAccessToChain(config, chainId);
  return { chainId, funder: requireFunder(env, chainId) };
}
