/**
 * `calldata-heavy` (beyond the seed): 4 KiB of random calldata to a fixed address, no value.
 * Data-availability pressure: the bytes are random so that no compression helps, and each
 * transaction's gas is almost all calldata.
 */
import { toHex } from "viem";
import { TRANSFER_RECIPIENT } from "../config";
import type { BuildContext, TransactionBuilder } from "./types";

export const CALLDATA_BYTES = 4_096;

/**
 * Intrinsic gas of a plain call carrying `data`: 21,000 plus, since EIP-7623 (Prague), the floor of
 * 10 gas per calldata token (a zero byte is 1 token, any other 4), which for calldata with no
 * execution is above the standard 4 per token and above pre-Prague pricing (4 or 16 per byte) alike.
 */
export function calldataGas(data: Uint8Array): bigint {
  let tokens = 0;
  for (const byte of data) tokens += byte === 0 ? 1 : 4;
  return 21_000n + 10n * BigInt(tokens);
}

/** The most a `calldata-heavy` transaction can need (every byte non-zero): what funding plans for. */
export const CALLDATA_HEAVY_MAX_GAS = 21_000n + 10n * 4n * BigInt(CALLDATA_BYTES);

export const calldataHeavy: TransactionBuilder = (ctx: BuildContext) => {
  const data = crypto.getRandomValues(new Uint8Array(CALLDATA_BYTES));
  return {
    type: "eip1559",
    chainId: ctx.chainId,
    nonce: ctx.nonce,
    to: TRANSFER_RECIPIENT,
    value: 0n,
    data: toHex(data),
    gas: calldataGas(data),
    maxFeePerGas: BigInt(ctx.fees.maxFeePerGas),
    maxPriorityFeePerGas: BigInt(ctx.fees.maxPriorityFeePerGas),
  };
};
