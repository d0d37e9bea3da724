/** Turning a fee quote into a transaction's fee fields. */
import type { FeeQuote } from "./types";

export const eip1559Fees = (fees: FeeQuote) => ({
  maxFeePerGas: BigInt(fees.maxFeePerGas),
  maxPriorityFeePerGas: BigInt(fees.maxPriorityFeePerGas),
});

/**
 * The quote with another tip: the cap moves with it, so the headroom above the base fee that the
 * quote left stays the same whatever tip a transaction draws.
 */
export function withTip(fees: FeeQuote, tipWei: bigint): FeeQuote {
  const cap = BigInt(fees.maxFeePerGas) - BigInt(fees.maxPriorityFeePerGas) + tipWei;
  return { maxFeePerGas: cap.toString(), maxPriorityFeePerGas: tipWei.toString() };
}
