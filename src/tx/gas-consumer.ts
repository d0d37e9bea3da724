/**
 * `storage-write`: `store(n)` on the gas-consumer contract, a storage write that changes a value.
 * `heavy-compute`: `consumeGas(1000)`, 1000 keccak rounds: execution, not data or storage.
 */
import { encodeFunctionData } from "viem";
import { ABI } from "../contracts/abis";
import { eip1559Fees } from "./fees";
import { requireContract } from "./require-contract";
import type { LoadContext, TransactionBuilder } from "./types";

export const HEAVY_COMPUTE_ROUNDS = 1_000n;

const call = (ctx: LoadContext, data: `0x${string}`) => ({
  type: "eip1559" as const,
  chainId: ctx.chainId,
  nonce: ctx.nonce,
  to: requireContract(ctx, "gasConsumer"),
  value: 0n,
  data,
  gas: ctx.gas,
  ...eip1559Fees(ctx.fees),
});

// seq + 1: never 0, so each store really writes (a zero to a zero slot costs almost nothing).
export const storageWrite: TransactionBuilder<LoadContext> = (ctx) =>
  call(ctx, encodeFunctionData({ abi: ABI.gasConsumer, functionName: "store", args: [BigInt(ctx.seq + 1)] }));

export const heavyCompute: TransactionBuilder<LoadContext> = (ctx) =>
  call(ctx, encodeFunctionData({ abi: ABI.gasConsumer, functionName: "consumeGas", args: [HEAVY_COMPUTE_ROUNDS] }));
