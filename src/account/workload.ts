/**
 * What an account sends in a run beyond the fee quote: the run's contracts, the gas limit per type,
 * the tip policy, and the account's own assets (its NFTs). Set when the run is prepared, stored in
 * the account object, and turned into a builder for each burst.
 */
import { TYPE_SPECS, builderFor } from "../tx/builders";
import { withTip } from "../tx/fees";
import { tipBucket, tipGwei, gweiToWei, TIP_BUCKETS, type TipPolicy } from "../tx/tips";
import type { SwapQuote } from "../tx/uniswap-swap";
import type { BuildTransaction, ContractAddresses, TransactionType } from "../tx/types";

export interface AccountWorkload {
  contracts: ContractAddresses;
  /** Decimal strings: gas limit per type the run sends. */
  gasLimits: Partial<Record<TransactionType, string>>;
  /** Tips drawn per transaction; null: the quote's tip. */
  tipPolicy: TipPolicy | null;
  nftIds: string[];
  /** uniswap-swap: minimum outs from the pool's price at preparation. */
  swap?: SwapQuote;
}

export const EMPTY_WORKLOAD: AccountWorkload = { contracts: {}, gasLimits: {}, tipPolicy: null, nftIds: [] };

/** Transactions built per type by this account: the `seq` each builder sees. Plain JSON, stored. */
export type BuildCounters = Partial<Record<TransactionType, number>>;

/**
 * A builder for one burst that sends `mix` (types and counts, in order): the i-th call builds the
 * i-th transaction. Counters and tip counts are updated as it builds.
 */
export function workloadBuilder(
  workload: AccountWorkload,
  counters: BuildCounters,
  mix: ReadonlyArray<readonly [TransactionType, number]>,
  tips: number[],
  random: () => number = Math.random,
): BuildTransaction {
  const order = mix.flatMap(([type, n]) => Array<TransactionType>(n).fill(type));
  let i = 0;
  return (ctx) => {
    const type = order[i++ % order.length];
    const seq = counters[type] ?? 0;
    counters[type] = seq + 1;
    let fees = ctx.fees;
    if (workload.tipPolicy) {
      const gwei = tipGwei(workload.tipPolicy, random());
      fees = withTip(fees, gweiToWei(gwei));
      const bucket = tipBucket(workload.tipPolicy, gwei);
      tips[bucket] = (tips[bucket] ?? 0) + 1;
    }
    const gas = BigInt(workload.gasLimits[type] ?? TYPE_SPECS[type].gas);
    const tx = builderFor(type)({ ...ctx, fees, contracts: workload.contracts, seq, nftIds: workload.nftIds, swap: workload.swap, gas });
    return tx instanceof Promise ? tx.then((signed) => ({ tx: signed, type })) : { tx, type };
  };
}

export const emptyTipCounts = (): number[] => Array<number>(TIP_BUCKETS).fill(0);
