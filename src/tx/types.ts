/** The transaction types of PRODUCT.md §4 and what a builder needs to make one. */
import type { Address, TransactionSerializable } from "viem";

export const TRANSACTION_TYPES = [
  "eth-transfer",
  "erc20-transfer",
  "erc20-approve",
  "storage-write",
  "heavy-compute",
  "uniswap-swap",
  "erc721-transfer",
  "calldata-heavy",
  "set-code",
] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** Fees travel between objects as decimal strings: JSON-safe and exact. */
export interface FeeQuote {
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
}

export interface BuildContext {
  chainId: number;
  nonce: number;
  fees: FeeQuote;
  from: Address;
}

/** Contract addresses a run's workload uses, by role. */
export type ContractAddresses = Partial<Record<ContractRole, Address>>;
export type ContractRole =
  | "erc20"
  | "erc721"
  | "gasConsumer"
  | "delegate"
  | "weth9"
  | "usdc"
  | "uniswapV3Factory"
  | "swapRouter"
  | "nonfungiblePositionManager"
  | "uniswapPool";

/** What a load transaction may need beyond a plain transfer: the run's contracts and the account's own assets. */
export interface LoadContext extends BuildContext {
  contracts: ContractAddresses;
  /** How many transactions of this type this account built before this one: alternation, NFT choice. */
  seq: number;
  /** Token ids of the run's ERC-721 this account held when the run was prepared. */
  nftIds: readonly string[];
  /** uniswap-swap: the least each direction must give back. */
  swap?: { minUsdcOut: string; minWethOut: string };
  /** The gas limit for this type: the table's, or more where `eth_estimateGas` said so when the run was prepared. */
  gas: bigint;
}

export type TransactionBuilder<C extends BuildContext = BuildContext> = (ctx: C) => TransactionSerializable;
/** A builder that must sign something of its own first (set-code's authorization). */
export type AsyncTransactionBuilder<C extends BuildContext = BuildContext> = (ctx: C) => Promise<TransactionSerializable>;

/** A transaction to sign, with the load type it counts as (none: housekeeping). */
export interface BuiltTransaction {
  tx: TransactionSerializable;
  type?: TransactionType;
}

/**
 * Builds the transaction for one nonce. Called once per nonce, in nonce order, before the caller's
 * first await: whatever a builder decides (its type, its sequence number) is decided there; only
 * signing of its own (an authorization) may come later.
 */
export type BuildTransaction = (ctx: BuildContext) => BuiltTransaction | Promise<BuiltTransaction>;

/** A builder whose transactions are not load (gap fills, closes): no type. */
export const unlabelled =
  (builder: TransactionBuilder): BuildTransaction =>
  (ctx) => ({ tx: builder(ctx) });
