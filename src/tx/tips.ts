/**
 * Tips drawn per transaction (the realistic pattern): between `minGwei` and `maxGwei`, from a
 * uniform, a truncated exponential or a bounded power-law (Pareto) distribution, and the fixed
 * histogram they are reported in. Pure functions of a uniform random number.
 */
export type TipDistribution = "exponential" | "power-law" | "uniform";

export interface TipPolicy {
  minGwei: number;
  maxGwei: number;
  distribution: TipDistribution;
}

export const DEFAULT_TIP_POLICY: TipPolicy = { minGwei: 0.1, maxGwei: 5, distribution: "exponential" };

/** Most tips fall in the lowest quarter of the range: the mean of the untruncated exponential. */
const EXPONENTIAL_MEAN_OF_RANGE = 0.25;
/** Tail index of the power law: a few transactions pay far more than most. */
const PARETO_ALPHA = 1.5;
/** A power law needs a positive lower bound. */
const PARETO_FLOOR_GWEI = 0.001;

/** The tip for a uniform `u` in [0, 1). */
export function tipGwei(policy: TipPolicy, u: number): number {
  const { minGwei: lo, maxGwei: hi } = policy;
  const span = hi - lo;
  if (span <= 0) return lo;
  switch (policy.distribution) {
    case "uniform":
      return lo + u * span;
    case "exponential": {
      const rate = 1 / (EXPONENTIAL_MEAN_OF_RANGE * span);
      return lo - Math.log(1 - u * (1 - Math.exp(-rate * span))) / rate;
    }
    case "power-law": {
      const low = Math.max(lo, PARETO_FLOOR_GWEI);
      if (low >= hi) return hi;
      const x = low / Math.pow(1 - u * (1 - Math.pow(low / hi, PARETO_ALPHA)), 1 / PARETO_ALPHA);
      return Math.min(hi, Math.max(lo, x));
    }
  }
}

export const gweiToWei = (gwei: number): bigint => BigInt(Math.round(gwei * 1e9));

export const TIP_BUCKETS = 10;

/** The histogram bucket of a tip: ten equal slices of [min, max]. */
export function tipBucket(policy: TipPolicy, gwei: number): number {
  const span = policy.maxGwei - policy.minGwei;
  if (span <= 0) return 0;
  return Math.min(TIP_BUCKETS - 1, Math.max(0, Math.floor(((gwei - policy.minGwei) / span) * TIP_BUCKETS)));
}

export interface TipHistogram {
  minGwei: number;
  maxGwei: number;
  distribution: TipDistribution;
  buckets: Array<{ fromGwei: number; toGwei: number; count: number }>;
}

export function tipHistogram(policy: TipPolicy, counts: readonly number[]): TipHistogram {
  const width = (policy.maxGwei - policy.minGwei) / TIP_BUCKETS;
  return {
    ...policy,
    buckets: Array.from({ length: TIP_BUCKETS }, (_, i) => ({
      fromGwei: policy.minGwei + i * width,
      toGwei: policy.minGwei + (i + 1) * width,
      count: counts[i] ?? 0,
    })),
  };
}
