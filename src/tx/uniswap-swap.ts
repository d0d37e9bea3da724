/**
 * `uniswap-swap`: Uniswap V3 `exactInputSingle` on the WETH/USDC 0.3 % pool, alternating
 * WETH→USDC and USDC→WETH per account (odd accounts start the other way round, so the pool's
 * price stays where it is). The minimum out is the pool's price when the run was prepared less
 * SWAP_SLIPPAGE_PERCENT: far more than a run moves a pool this deep, so a swap never reverts at
 * the configured rate, yet a broken pool or router is caught (the swap reverts and is counted).
 */
import { encodeFunctionData } from "viem";
import { ABI } from "../contracts/abis";
import { POOL_FEE, USDC_PER_ETH } from "../contracts/uniswap-pool";
import { eip1559Fees } from "./fees";
import { requireContract } from "./require-contract";
import type { LoadContext, TransactionBuilder } from "./types";

/** 0.001 WETH in, or its worth in USDC (both tokens have 18 decimals). */
export const SWAP_WETH_IN = 10n ** 15n;
export const SWAP_USDC_IN = SWAP_WETH_IN * USDC_PER_ETH;
export const SWAP_SLIPPAGE_PERCENT = 10n;
/** Far ahead: a swap must not expire while it waits in a congested pool. */
const NO_DEADLINE = 2n ** 40n;

/** What a swap of each direction must give back at least, from the pool's price at preparation. */
export interface SwapQuote {
  minUsdcOut: string;
  minWethOut: string;
}

/** Minimum outs from the pool's √price × 2⁹⁶ (price = token1 per token0). */
export function swapQuote(sqrtPriceX96: bigint, wethIsToken0: boolean): SwapQuote {
  const q192 = 1n << 192n;
  const p2 = sqrtPriceX96 * sqrtPriceX96;
  // token1 out for x of token0: x · p2 / 2¹⁹²; token0 out for y of token1: y · 2¹⁹² / p2.
  const usdcOut = wethIsToken0 ? (SWAP_WETH_IN * p2) / q192 : (SWAP_WETH_IN * q192) / p2;
  const wethOut = wethIsToken0 ? (SWAP_USDC_IN * q192) / p2 : (SWAP_USDC_IN * p2) / q192;
  const keep = (v: bigint) => ((v * (100n - SWAP_SLIPPAGE_PERCENT)) / 100n).toString();
  return { minUsdcOut: keep(usdcOut), minWethOut: keep(wethOut) };
}

/** Whether this account's `seq`-th swap sells WETH: alternating, odd accounts starting with USDC. */
export const sellsWeth = (seq: number, accountParity: number): boolean => (seq + accountParity) % 2 === 0;

export const uniswapSwap: TransactionBuilder<LoadContext> = (ctx) => {
  const weth = requireContract(ctx, "weth9");
  const usdc = requireContract(ctx, "usdc");
  if (!ctx.swap) throw new Error("the run has no swap quote: it was not prepared for uniswap-swap");
  const wethIn = sellsWeth(ctx.seq, Number(BigInt(ctx.from) % 2n));
  const params = {
    tokenIn: wethIn ? weth : usdc,
    tokenOut: wethIn ? usdc : weth,
    fee: POOL_FEE,
    recipient: ctx.from,
    deadline: NO_DEADLINE,
    amountIn: wethIn ? SWAP_WETH_IN : SWAP_USDC_IN,
    amountOutMinimum: BigInt(wethIn ? ctx.swap.minUsdcOut : ctx.swap.minWethOut),
    sqrtPriceLimitX96: 0n,
  };
  return {
    type: "eip1559",
    chainId: ctx.chainId,
    nonce: ctx.nonce,
    to: requireContract(ctx, "swapRouter"),
    value: 0n,
    data: encodeFunctionData({ abi: ABI.swapRouter, functionName: "exactInputSingle", args: [params] }),
    gas: ctx.gas,
    ...eip1559Fees(ctx.fees),
  };
};
