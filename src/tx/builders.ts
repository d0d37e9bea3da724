/** Every transaction type in one table: its builder, its gas limit (PRODUCT.md §4) and what it needs prepared. */
import { CALLDATA_HEAVY_MAX_GAS, calldataHeavy } from "./calldata-heavy";
import { erc20Approve, erc20Transfer } from "./erc20";
import { erc721Transfer } from "./erc721-transfer";
import { ethTransfer } from "./eth-transfer";
import { heavyCompute, storageWrite } from "./gas-consumer";
import { SWAP_WETH_IN, uniswapSwap } from "./uniswap-swap";
import { setCode } from "./set-code";
import type { AsyncTransactionBuilder, LoadContext, TransactionBuilder, TransactionType } from "./types";

/** Contracts deployed together, once per chain: a type needs one group. */
export type ContractGroup = "erc20" | "erc721" | "gasConsumer" | "uniswap" | "delegate";

export interface TypeSpec {
  build?: TransactionBuilder<LoadContext> | AsyncTransactionBuilder<LoadContext>;
  /** The table's gas limit; `eth_estimateGas` may raise it when the run is prepared. */
  gas: bigint;
  /** Wei each transaction moves out of the account besides gas. */
  value: bigint;
  contracts?: ContractGroup;
  /**
   * The payload does not depend on how many of the type were built before (`seq` picks no NFT and
   * no swap direction, and there is no signing of its own), so a signed-ahead window that is
   * dropped unsent changes nothing (account/signed-ahead.ts).
   */
  signAhead?: true;
}

export const TYPE_SPECS: Record<TransactionType, TypeSpec> = {
  "eth-transfer": { build: ethTransfer, gas: 21_000n, value: 1n, signAhead: true },
  "erc20-transfer": { build: erc20Transfer, gas: 70_000n, value: 0n, contracts: "erc20", signAhead: true },
  "erc20-approve": { build: erc20Approve, gas: 60_000n, value: 0n, contracts: "erc20", signAhead: true },
  "storage-write": { build: storageWrite, gas: 70_000n, value: 0n, contracts: "gasConsumer", signAhead: true },
  "heavy-compute": { build: heavyCompute, gas: 500_000n, value: 0n, contracts: "gasConsumer", signAhead: true },
  // Value: the WETH each sender wraps for its swaps before the run, planned per transaction.
  "uniswap-swap": { build: uniswapSwap, gas: 250_000n, value: SWAP_WETH_IN, contracts: "uniswap" },
  "erc721-transfer": { build: erc721Transfer, gas: 100_000n, value: 0n, contracts: "erc721" },
  "calldata-heavy": { build: calldataHeavy, gas: CALLDATA_HEAVY_MAX_GAS, value: 0n, signAhead: true },
  "set-code": { build: setCode, gas: 100_000n, value: 0n, contracts: "delegate" },
};

export function builderFor(type: TransactionType): TransactionBuilder<LoadContext> | AsyncTransactionBuilder<LoadContext> {
  const builder = TYPE_SPECS[type].build;
  if (!builder) throw new Error(`transaction type ${type} is not supported by this build`);
  return builder;
}

/** Gas limit per type, used to size funding before any transaction is built. */
export const gasLimitOf = (type: TransactionType): bigint => TYPE_SPECS[type].gas;
