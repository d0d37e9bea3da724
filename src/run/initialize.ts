/**
 * The initializing phase of a run: derive the senders (one account object each, placed by region),
 * fund them from the funder, and start each ledger from the node's pending nonce.
 */
import { autoAccountCount, funderSource, type Env, type RuntimeConfig } from "../config";
import { funderAccount } from "../account/keys";
import type { AccountDO } from "../account/account-do";
import { fetchFees, fetchLatestBlock } from "../chain/node-queries";
import type { JsonRpcClient } from "../chain/rpc";
import { GAS_LIMITS } from "../tx/builders";
import type { FeeQuote } from "../tx/types";
import type { InitPhase } from "../metrics/test-metrics";
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

export function planAccounts(run: RunRecord, config: RuntimeConfig): { numAccounts: number; regions: string[] } {
  const regions = run.request.regions ?? ["auto"];
  const numAccounts = run.request.numAccounts || autoAccountCount(peakRate(run.request), config.blockTimeMs);
  return { numAccounts, regions };
}

export interface Initialized {
  accounts: AccountSlot[];
  startBlock: number;
  fees: FeeQuote;
}

export async function initializeRun(
  env: Env,
  rpc: JsonRpcClient,
  run: RunRecord,
  tipWei: bigint,
  enterPhase: (phase: InitPhase) => Promise<void>,
): Promise<Initialized> {
  const source = funderSource(env, run.chainId);
  if (!source) throw new Error(`no funder configured for chain ${run.chainId}: set FUNDER_PRIVATE_KEY or FUNDER_MNEMONIC`);

  await enterPhase("deriving_accounts");
  const slots = Array.from({ length: run.numAccounts }, (_, index) => ({ index, region: run.regions[index % run.regions.length] }));
  const addresses = await mapInChunks(slots, async (s) =>
    (await accountStub(env, s.region, s.index).prepare({ index: s.index, chainId: run.chainId, rpcUrl: rpc.url })).address,
  );

  await enterPhase("funding_accounts");
  const fees = await fetchFees(rpc, tipWei);
  const quote: FeeQuote = { maxFeePerGas: fees.maxFeePerGas.toString(), maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString() };
  const plan = planFunding(expectedTransactions(run.request) / run.numAccounts, GAS_LIMITS[run.request.transactionType], fees.maxFeePerGas);
  await fundAccounts(rpc, funderAccount(source), run.chainId, addresses, plan, quote);

  await enterPhase("initializing_nonces");
  const nonces = await mapInChunks(slots, async (s) => (await accountStub(env, s.region, s.index).syncNonce()).nonce);
  const startBlock = (await fetchLatestBlock(rpc)).number;
  return {
    accounts: slots.map((s, i) => ({ ...s, address: addresses[i], startNonce: nonces[i] })),
    startBlock,
    fees: quote,
  };
}
