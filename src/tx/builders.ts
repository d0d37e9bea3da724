import { CALLDATA_HEAVY_MAX_GAS, calldataHeavy } from "./calldata-heavy";
import { ethTransfer } from "./eth-transfer";
import type { TransactionBuilder, TransactionType } from "./types";

const BUILDERS: Partial<Record<TransactionType, TransactionBuilder>> = {
  "eth-transfer": ethTransfer,
  "calldata-heavy": calldataHeavy,
};

export function builderFor(type: TransactionType): TransactionBuilder {
  const builder = BUILDERS[type];
  if (!builder) throw new Error(`transaction type ${type} is not supported by this build`);
  return builder;
}

/** Gas limit per type, used to size funding before any transaction is built. */
export const GAS_LIMITS: Record<TransactionType, bigint> = {
  "eth-transfer": 21_000n,
  "erc20-transfer": 70_000n,
  "erc20-approve": 60_000n,
  "storage-write": 70_000n,
  "heavy-compute": 500_000n,
  "uniswap-swap": 250_000n,
  "erc721-transfer": 100_000n,
  "calldata-heavy": CALLDATA_HEAVY_MAX_GAS,
};
