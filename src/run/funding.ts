/**
 * Funding sender accounts from the funder before a run: balances are read in one batch, only the
 * accounts below what the run needs are topped up, and the run waits until every top-up is mined.
 */
import type { LocalAccount } from "viem/accounts";
import type { JsonRpcClient } from "../chain/rpc";
import type { FeeQuote } from "../tx/types";
import { sendFromFunder } from "../chain/funder-calls";

export interface FundingPlan {
  /** Balance each sender needs for this run. */
  neededWei: bigint;
  /** Balance a top-up brings a sender to (more than needed, so the next runs can reuse it). */
  targetWei: bigint;
}

/** Worst-case cost of `txPerAccount` transactions of `gasLimit` at `maxFeePerGas`, doubled for fee drift. */
export function planFunding(txPerAccount: number, gasLimit: bigint, maxFeePerGas: bigint, valuePerTx = 1n): FundingPlan {
  const perTx = gasLimit * maxFeePerGas + valuePerTx;
  const neededWei = perTx * BigInt(Math.ceil(txPerAccount) + 10) * 2n;
  return { neededWei, targetWei: neededWei * 2n };
}

export interface FundingResult {
  funded: number;
  reused: number;
}

const BATCH = 200;

export async function fundAccounts(
  rpc: JsonRpcClient,
  funder: LocalAccount,
  chainId: number,
  addresses: string[],
  plan: FundingPlan,
  fees: FeeQuote,
  stillLive: () => boolean = () => true,
): Promise<FundingResult> {
  const balances = await readBalances(rpc, addresses);
  const topUps = addresses.flatMap((address, i) =>
    balances[i] < plan.neededWei ? [{ to: address as `0x${string}`, value: plan.targetWei - balances[i], gas: 21_000n }] : [],
  );
  await sendFromFunder({ rpc, funder, chainId, fees, stillLive, what: `funding ${topUps.length} accounts` }, topUps);
  return { funded: topUps.length, reused: addresses.length - topUps.length };
}

export async function readBalances(rpc: JsonRpcClient, addresses: string[]): Promise<bigint[]> {
  const balances: bigint[] = [];
  for (let i = 0; i < addresses.length; i += BATCH) {
    const outcomes = await rpc.batch<string>(addresses.slice(i, i + BATCH).map((a) => ({ method: "eth_getBalance", params: [a, "latest"] })));
    for (const o of outcomes) {
      if (!o.ok) throw o.error;
      balances.push(BigInt(o.result));
    }
  }
  return balances;
}
