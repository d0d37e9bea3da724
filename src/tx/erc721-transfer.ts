/**
 * `erc721-transfer`: one of the NFTs minted to this account during preparation, to a fresh random
 * address. Each transaction takes the next token the account has not handed out yet (`seq`), so no
 * token is sent twice; a run that sends more than it was minted for wraps around, and those
 * transfers revert on chain, where they are counted as failed (`reverted`), never as load confirmed.
 */
import { encodeFunctionData } from "viem";
import { ABI } from "../contracts/abis";
import { freshAddress } from "./erc20";
import { eip1559Fees } from "./fees";
import { requireContract } from "./require-contract";
import type { LoadContext, TransactionBuilder } from "./types";

export const erc721Transfer: TransactionBuilder<LoadContext> = (ctx) => {
  if (ctx.nftIds.length === 0) throw new Error("this account holds no NFT of the run: it was not prepared for erc721-transfer");
  const tokenId = BigInt(ctx.nftIds[ctx.seq % ctx.nftIds.length]);
  return {
    type: "eip1559",
    chainId: ctx.chainId,
    nonce: ctx.nonce,
    to: requireContract(ctx, "erc721"),
    value: 0n,
    data: encodeFunctionData({ abi: ABI.erc721, functionName: "transferFrom", args: [ctx.from, freshAddress(), tokenId] }),
    gas: ctx.gas,
    ...eip1559Fees(ctx.fees),
  };
};
