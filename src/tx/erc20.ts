/**
 * `erc20-transfer`: 1 token unit to a fresh random address, so every transfer writes a cold, empty
 * balance slot (the expensive case a token-heavy chain sees). `erc20-approve`: an unlimited
 * allowance to a fixed spender, a warm write after the first.
 */
import { encodeFunctionData, maxUint256, toHex, type Address } from "viem";
import { ABI } from "../contracts/abis";
import { eip1559Fees } from "./fees";
import type { LoadContext, TransactionBuilder } from "./types";
import { requireContract } from "./require-contract";

/** Fixed spender of `erc20-approve`: an address nobody holds a key for. */
export const APPROVE_SPENDER: Address = "0x00000000000000000000000000000000000a11ce";

/** A fresh address per call: 20 random bytes. */
export const freshAddress = (): Address => toHex(crypto.getRandomValues(new Uint8Array(20)));

export const erc20Transfer: TransactionBuilder<LoadContext> = (ctx) => ({
  type: "eip1559",
  chainId: ctx.chainId,
  nonce: ctx.nonce,
  to: requireContract(ctx, "erc20"),
  value: 0n,
  data: encodeFunctionData({ abi: ABI.erc20, functionName: "transfer", args: [freshAddress(), 1n] }),
  gas: ctx.gas,
  ...eip1559Fees(ctx.fees),
});

export const erc20Approve: TransactionBuilder<LoadContext> = (ctx) => ({
  type: "eip1559",
  chainId: ctx.chainId,
  nonce: ctx.nonce,
  to: requireContract(ctx, "erc20"),
  value: 0n,
  data: encodeFunctionData({ abi: ABI.erc20, functionName: "approve", args: [APPROVE_SPENDER, maxUint256] }),
  gas: ctx.gas,
  ...eip1559Fees(ctx.fees),
});
