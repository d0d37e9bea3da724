/**
 * Funding sender accounts from the funder before a run: balances are read in one batch, only the
 * accounts below what the run needs are topped up, and the run waits until every top-up is mined.
 */
import { keccak256 } from "viem";
import type { LocalAccount } from "viem/accounts";
import { fetchPendingNonce } from "../chain/node-queries";
import { JsonRpcClient } from "../chain/rpc";
import { waitForReceipts } from "../chain/wait";
import type { FeeQuote } from "../tx/types";

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

export class FundingError extends Error {
  name = "FundingError";
}

const BATCH = 200;
const MINING_TIMEOUT_MS = 120_000;

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
    balances[i] < plan.neededWei ? [{ address, value: plan.targetWei - balances[i] }] : [],
  );
  if (topUps.length === 0) return { funded: 0, reused: addresses.length };

  const total = topUps.reduce((sum, t) => sum + t.value, 0n) + 21_000n * BigInt(fees.maxFeePerGas) * BigInt(topUps.length);
  const [funderBalance] = await readBalances(rpc, [funder.address]);
  if (funderBalance < total) {
    throw new FundingError(`funder ${funder.address} holds ${funderBalance} wei; funding ${topUps.length} accounts needs ${total} wei`);
  }

  let nonce = await fetchPendingNonce(rpc, funder.address);
  const hashes: string[] = [];
  for (let i = 0; i < topUps.length; i += BATCH) {
    if (!stillLive()) throw new FundingError("the run ended while its senders were being funded");
    const signed = await Promise.all(
      topUps.slice(i, i + BATCH).map(({ address, value }) =>
        funder.signTransaction({
          type: "eip1559",
          chainId,
          nonce: nonce++,
          to: address as `0x${string}`,
          value,
          gas: 21_000n,
          maxFeePerGas: BigInt(fees.maxFeePerGas),
          maxPriorityFeePerGas: BigInt(fees.maxPriorityFeePerGas),
        }),
      ),
    );
    const outcomes = await rpc.batch(signed.map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })));
    outcomes.forEach((o, k) => {
      if (!o.ok && o.error.errorClass !== "already-known") throw new FundingError(`funding transfer rejected: ${o.error.message}`);
      hashes.push(keccak256(signed[k]));
    });
  }
  const receipts = await waitForReceipts(rpc, hashes, MINING_TIMEOUT_MS);
  const failed = hashes.filter((h) => receipts.get(h)?.status !== "0x1");
  if (failed.length > 0) throw new FundingError(`${failed.length} funding transfers were not mined successfully`);
  return { funded: topUps.length, reused: addresses.length - topUps.length };
}

async function readBalances(rpc: JsonRpcClient, addresses: string[]): Promise<bigint[]> {
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
