/**
 * `set-code` (beyond the seed): an EIP-7702 type-4 transaction. The sender sponsors the delegation
 * of a fresh account to the deployed Delegate contract and calls `ping()` on it in the same
 * transaction, so the delegated code runs at once (Pinged event, a write in the new account's
 * storage): the path of a relayer onboarding new smart accounts, exercising authorization
 * recovery, the empty-account charge and the delegation write on every transaction.
 *
 * Why a fresh authority and not the sender itself: a self-sponsored authorization must carry the
 * sender's nonce + 1 and bumps the sender's nonce a second time, so each transaction would use two
 * nonces, one of them without a transaction of its own, and the nonce invariants of the whole tool
 * (contiguous nonces, the ledger's next = the chain's) would no longer describe the chain. A fresh
 * authority has nonce 0, so its authorization is always valid, whatever happens to other sends.
 */
import { encodeFunctionData, toHex } from "viem";
import { signAuthorization, privateKeyToAddress } from "viem/accounts";
import { ABI } from "../contracts/abis";
import { eip1559Fees } from "./fees";
import { requireContract } from "./require-contract";
import type { AsyncTransactionBuilder, LoadContext } from "./types";

export const setCode: AsyncTransactionBuilder<LoadContext> = async (ctx) => {
  const delegate = requireContract(ctx, "delegate");
  const privateKey = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const authority = privateKeyToAddress(privateKey);
  const authorization = await signAuthorization({ privateKey, address: delegate, chainId: ctx.chainId, nonce: 0 });
  return {
    type: "eip7702",
    chainId: ctx.chainId,
    nonce: ctx.nonce,
    to: authority,
    value: 0n,
    data: encodeFunctionData({ abi: ABI.delegate, functionName: "ping" }),
    authorizationList: [authorization],
    gas: ctx.gas,
    ...eip1559Fees(ctx.fees),
  };
};
