/** The transaction types of PRODUCT.md §4 and what a builder needs to make one. */
import type { TransactionSerializableEIP1559 } from "viem";

export const TRANSACTION_TYPES = [
  "eth-transfer",
  "erc20-transfer",
  "erc20-approve",
  "storage-write",
  "heavy-compute",
  "uniswap-swap",
  "erc721-transfer",
  "calldata-heavy",
] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** The types this build can send; the others are refused at the API with a clear 400. */
export const SUPPORTED_TRANSACTION_TYPES: readonly TransactionType[] = ["eth-transfer", "calldata-heavy"];

/** Fees travel between objects as decimal strings: JSON-safe and exact. */
export interface FeeQuote {
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
}

export interface BuildContext {
  chainId: number;
  nonce: number;
  fees: FeeQuote;
  from: `0x${string}`;
}

export type TransactionBuilder = (ctx: BuildContext) => TransactionSerializableEIP1559;
