/**
 * Sweeping one sender's balance back to the funder (POST /recycle): a single transfer of all of it
 * but the transfer's fee, reserved in the ledger and sent through the one raw-send path like any
 * other transaction of the account. Stateless: the object hands in its ledger, signer and client.
 */
import { ETH_TRANSFER_GAS, ethTransfer } from "../tx/eth-transfer";
import { unlabelled, type FeeQuote } from "../tx/types";
import { sendBurst, type SenderDeps } from "./send-burst";

export interface SweepOutcome {
  address: string;
  /** sent: awaiting inclusion; skipped: the balance does not cover the fee (not an error); failed: see `error`. */
  outcome: "sent" | "skipped" | "failed";
  balanceWei: string;
  valueWei?: string;
  hash?: string;
  nonce?: number;
  error?: string;
}

/**
 * What a sweep pays: 21,000 gas at the quote's cap, all of it. The sweep's tip is its cap, so the
 * price paid is the cap whatever the base fee (and a legacy sweep's gas price is the cap anyway):
 * the sender is left with exactly nothing, not with the unspent part of a cap.
 */
export const sweepFee = (fees: FeeQuote): bigint => ETH_TRANSFER_GAS * BigInt(fees.maxFeePerGas);

/** All of `balance` but the fee; 0 when the fee would take it all. */
export const sweepValue = (balance: bigint, fee: bigint): bigint => (balance > fee ? balance - fee : 0n);

export async function sweepBalance(deps: SenderDeps, to: `0x${string}`, fees: FeeQuote): Promise<SweepOutcome> {
  const address = deps.signer.address;
  const outcomes = await deps.rpc.batch<string>([
    { method: "eth_getBalance", params: [address, "latest"] },
    { method: "eth_getTransactionCount", params: [address, "latest"] },
    { method: "eth_getTransactionCount", params: [address, "pending"] },
  ]);
  const failedQuery = outcomes.find((o) => !o.ok);
  if (failedQuery && !failedQuery.ok) return { address, outcome: "failed", balanceWei: "0", error: `balance query failed: ${failedQuery.error.message}` };
  const [balance, mined, pending] = outcomes.map((o) => BigInt((o as { result: string }).result));
  // The balance must not be spent twice: whatever the account still has in the pool goes first.
  if (pending > mined) {
    return { address, outcome: "failed", balanceWei: balance.toString(), error: `${pending - mined} transactions of the account are still pending` };
  }
  const value = sweepValue(balance, sweepFee(fees));
  if (value === 0n) return { address, outcome: "skipped", balanceWei: balance.toString() };
  // Not load: unlabelled, like a gap fill.
  const build = unlabelled((ctx) => ({ ...ethTransfer(ctx), to, value }));
  const result = await sendBurst({ ...deps, build }, 1, { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxFeePerGas });
  const sent = result.sent[0];
  if (sent) return { address, outcome: "sent", balanceWei: balance.toString(), valueWei: value.toString(), hash: sent.hash, nonce: sent.nonce };
  const failed = result.failed[0];
  return { address, outcome: "failed", balanceWei: balance.toString(), error: failed ? `${failed.errorClass}: ${failed.message}` : "the sweep was not sent" };
}
