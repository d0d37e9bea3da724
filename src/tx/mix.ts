/**
 * A run's transaction mix: which types it sends and in what shares. A single-type run is a mix of
 * one. The realistic pattern names its shares in `txTypeRatios` (camelCase keys, summing to 100).
 *
 * Types are handed out so that at every moment the counts sent of each type are as close to the
 * shares as whole transactions allow (largest deficit first): the on-chain mix of any stretch of
 * the run matches the ratios, not just its total.
 */
import type { TransactionType } from "./types";

/** `txTypeRatios` keys (PRODUCT.md §3) and the types they name. */
export const RATIO_KEYS = {
  ethTransfer: "eth-transfer",
  erc20Transfer: "erc20-transfer",
  erc20Approve: "erc20-approve",
  uniswapSwap: "uniswap-swap",
  storageWrite: "storage-write",
  heavyCompute: "heavy-compute",
  erc721Transfer: "erc721-transfer",
  calldataHeavy: "calldata-heavy",
  setCode: "set-code",
} as const satisfies Record<string, TransactionType>;
export type RatioKey = keyof typeof RATIO_KEYS;

export type Mix = Partial<Record<TransactionType, number>>;

/** Share per type, in percent; types with 0 are left out. */
export function mixFromRatios(ratios: Partial<Record<RatioKey, number>>): Mix {
  const mix: Mix = {};
  for (const [key, share] of Object.entries(ratios) as Array<[RatioKey, number]>) if (share > 0) mix[RATIO_KEYS[key]] = share;
  return mix;
}

export const typesOf = (mix: Mix): TransactionType[] => Object.keys(mix) as TransactionType[];

/** Transactions handed out so far, per type: the allocator's whole state (plain JSON, checkpointed). */
export type MixCounts = Partial<Record<TransactionType, number>>;

/**
 * Hands out `count` transactions by the mix, each to the type furthest behind its share, and
 * counts them in `given`. Returns how many of each type, in the mix's order.
 */
export function allocate(mix: Mix, given: MixCounts, count: number): Array<[TransactionType, number]> {
  const types = typesOf(mix);
  const weight = types.reduce((sum, t) => sum + mix[t]!, 0);
  const out = new Map<TransactionType, number>();
  let total = types.reduce((sum, t) => sum + (given[t] ?? 0), 0);
  for (let i = 0; i < count; i++) {
    total += 1;
    let best = types[0];
    let bestDeficit = -Infinity;
    for (const t of types) {
      const deficit = (total * mix[t]!) / weight - (given[t] ?? 0);
      if (deficit > bestDeficit) [best, bestDeficit] = [t, deficit];
    }
    given[best] = (given[best] ?? 0) + 1;
    out.set(best, (out.get(best) ?? 0) + 1);
  }
  return types.filter((t) => out.has(t)).map((t) => [t, out.get(t)!]);
}
