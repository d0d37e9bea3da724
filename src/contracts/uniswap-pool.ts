/**
 * The WETH/USDC 0.3 % pool the `uniswap-swap` type trades against: its address (CREATE2 from the
 * factory, as the periphery computes it), its starting price near 2,000 USDC per ETH, and the
 * full-range position that seeds it. Pure: the deployer turns this into funder calls.
 */
import { encodeAbiParameters, getCreate2Address, keccak256, type Address } from "viem";

/** keccak256 of UniswapV3Pool's creation code: what `PoolAddress.computeAddress` in the periphery assumes. */
export const POOL_INIT_CODE_HASH = "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54" as const;
export const POOL_FEE = 3_000;
/** The widest range a tick spacing of 60 allows: liquidity at every price. */
export const FULL_RANGE_TICK = 887_220;
export const USDC_PER_ETH = 2_000n;
const WEI = 10n ** 18n;
/** Pool depth: a swap of the load's size moves the price by a few parts per million. */
export const SEED_WETH = 100n * WEI;
export const SEED_USDC = SEED_WETH * USDC_PER_ETH;

/** Both tokens sorted as the pool sorts them (by address). */
export function poolTokens(weth: Address, usdc: Address): { token0: Address; token1: Address; wethIsToken0: boolean } {
  const wethIsToken0 = BigInt(weth) < BigInt(usdc);
  return wethIsToken0 ? { token0: weth, token1: usdc, wethIsToken0 } : { token0: usdc, token1: weth, wethIsToken0 };
}

export function poolAddress(factory: Address, weth: Address, usdc: Address): Address {
  const { token0, token1 } = poolTokens(weth, usdc);
  const salt = keccak256(encodeAbiParameters([{ type: "address" }, { type: "address" }, { type: "uint24" }], [token0, token1, POOL_FEE]));
  return getCreate2Address({ from: factory, salt, bytecodeHash: POOL_INIT_CODE_HASH });
}

/** √price × 2⁹⁶ for price = token1 per token0; both tokens have 18 decimals. */
export function initialSqrtPriceX96(wethIsToken0: boolean): bigint {
  const q192 = 1n << 192n;
  return sqrt(wethIsToken0 ? q192 * USDC_PER_ETH : q192 / USDC_PER_ETH);
}

function sqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) [x, y] = [y, (y + n / y) / 2n];
  return x;
}
