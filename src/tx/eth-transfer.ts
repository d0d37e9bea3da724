import { TRANSFER_RECIPIENT } from "../config";
import type { BuildContext, TransactionBuilder } from "./types";

export const ETH_TRANSFER_GAS = 21_000n;

/** 1 wei to a fixed recipient: the cheapest transaction there is, 21,000 gas. */
export const ethTransfer: TransactionBuilder = (ctx: BuildContext) => ({
  type: "eip1559",
  chainId: ctx.chainId,
  nonce: ctx.nonce,
  to: TRANSFER_RECIPIENT,
  value: 1n,
  gas: ETH_TRANSFER_GAS,
  maxFeePerGas: BigInt(ctx.fees.maxFeePerGas),
  maxPriorityFeePerGas: BigInt(ctx.fees.maxPriorityFeePerGas),
});

/** 0 wei to oneself: closes a nonce without moving value, used to fill a gap at the end of a run. */
export const selfTransfer: TransactionBuilder = (ctx: BuildContext) => ({
  ...ethTransfer(ctx),
  to: ctx.from,
  value: 0n,
});
