/**
 * The initializing phase of a run, one step per coordinator alarm so that a stop or a reset takes
 * effect between them: derive the senders (one account object each, placed by region), fund them
 * from the funder, and start each ledger from the node's pending nonce.
 */
import { DEFAULT_TIP_WEI, autoAccountCount, funderSource, type Env, type RuntimeConfig } from "../config";
import { funderAccount } from "../account/keys";
import type { AccountDO } from "../account/account-do";
import { fetchFees, fetchLatestBlock } from "../chain/node-queries";
import type { JsonRpcClient } from "../chain/rpc";
import { GAS_LIMITS } from "../tx/builders";
import type { FeeQuote } from "../tx/types";
import { fundAccounts, planFunding } from "./funding";
import { expectedTransactions, peakRate } from "./patterns";
import type { AccountSlot, RunRecord } from "./run-state";

/** Objects are prepared this many at a time: enough parallelism, bounded fan-out. */
const FAN_OUT = 50;

export function accountStub(env: Env, region: string, index: number): DurableObjectStub<AccountDO> {
  // The region is part of the name: a location hint only applies when an object is first created.
  const id = env.ACCOUNT.idFromName(`sender:${region}:${index}`);
  return region === "auto" ? env.ACCOUNT.get(id) : env.ACCOUNT.get(id, { locationHint: region as DurableObjectLocationHint });
}

export async function mapInChunks<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += FAN_OUT) out.push(...(await Promise.all(items.slice(i, i + FAN_OUT).map(fn))));
  return out;
}

export function planAccounts(run: Pick<RunRecord, "request">, config: RuntimeConfig): { numAccounts: number; regions: string[] } {
  const regions = run.request.regions ?? ["auto"];
  const numAccounts = run.request.numAccounts || autoAccountCount(peakRate(run.request), config.blockTimeMs);
  return { numAccounts, regions };
}

export const tipOf = (run: RunRecord): bigint =>
  run.request.tipGwei === undefined ? DEFAULT_TIP_WEI : BigInt(Math.round(run.request.tipGwei * 1e9));

/** Step 1: binds one account object per sender to its index; their start nonces come in step 3. */
export async function prepareAccounts(env: Env, rpc: JsonRpcClient, run: RunRecord): Promise<AccountSlot[]> {
  if (!funderSource(env, run.chainId)) throw new Error(`no funder configured for chain ${run.chainId}: set FUNDER_PRIVATE_KEY or FUNDER_MNEMONIC`);
  const slots = Array.from({ length: run.numAccounts }, (_, index) => ({ index, region: run.regions[index % run.regions.length] }));
  const addresses = await mapInChunks(slots, async (s) =>
    (await accountStub(env, s.region, s.index).prepare({ index: s.index, chainId: run.chainId, rpcUrl: rpc.url })).address,
  );
  return slots.map((s, i) => ({ ...s, address: addresses[i], startNonce: 0 }));
}

/**
 * Step 2: tops up every sender below what the run needs, and waits until the top-ups are mined.
 * `stillLive` is asked between batches: a run reset meanwhile sends no more from the funder.
 */
export async function fundSenders(env: Env, rpc: JsonRpcClient, run: RunRecord, accounts: AccountSlot[], stillLive: () => boolean): Promise<void> {
  const source = funderSource(env, run.chainId)!;
  const fees = await fetchFees(rpc, tipOf(run));
  const quote: FeeQuote = { maxFeePerGas: fees.maxFeePerGas.toString(), maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString() };
  const plan = planFunding(expectedTransactions(run.request) / run.numAccounts, GAS_LIMITS[run.request.transactionType], fees.maxFeePerGas);
  await fundAccounts(rpc, funderAccount(source), run.chainId, accounts.map((a) => a.address), plan, quote, stillLive);
}

/** Step 3: every ledger starts from the node's pending nonce; the run starts after the latest block. */
export async function syncNonces(env: Env, rpc: JsonRpcClient, run: RunRecord, accounts: AccountSlot[]): Promise<{ accounts: AccountSlot[]; startBlock: number; fees: FeeQuote }> {
  const nonces = await mapInChunks(accounts, async (s) => (await accountStub(env, s.region, s.index).syncNonce()).nonce);
  const [latest, fees] = await Promise.all([fetchLatestBlock(rpc), fetchFees(rpc, tipOf(run))]);
  return {
    accounts: accounts.map((s, i) => ({ ...s, startNonce: nonces[i] })),
    startBlock: latest.number,
    fees: { maxFeePerGas: fees.maxFeePerGas.toString(), maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString() },
  };
}
