/**
 * The workload's pure parts, without a chain: the mix allocator, tip draws and their histogram,
 * fee fields, the contract builders' calldata, the per-account workload builder, the run's
 * workload plan and the contract deployment plan.
 */
import { describe, expect, it } from "vitest";
import { eip1559Fees, withTip } from "../../src/tx/fees";
import { RATIO_KEYS, allocate, mixFromRatios, typesOf, type Mix, type MixCounts } from "../../src/tx/mix";
import { DEFAULT_TIP_POLICY, TIP_BUCKETS, tipBucket, tipGwei, tipHistogram, type TipDistribution, type TipPolicy } from "../../src/tx/tips";
import { TRANSACTION_TYPES } from "../../src/tx/types";
import { mulberry32 } from "../support/seeded-random";

const DISTRIBUTIONS: TipDistribution[] = ["uniform", "exponential", "power-law"];

describe("mix: allocate", () => {
  const MIXES: Record<string, Mix> = {
    "40/25/10/10/5/10": { "eth-transfer": 40, "erc20-transfer": 25, "erc20-approve": 10, "storage-write": 10, "heavy-compute": 5, "erc721-transfer": 10 },
    "1/99": { "eth-transfer": 1, "erc20-transfer": 99 },
    "33/33/34": { "eth-transfer": 33, "storage-write": 33, "heavy-compute": 34 },
    "7 types, 95 on one": { "eth-transfer": 1, "erc20-transfer": 1, "erc20-approve": 95, "storage-write": 1, "heavy-compute": 1, "erc721-transfer": 1, "calldata-heavy": 1 },
  };

  /** The largest distance of a type's count from its exact share of `total`. */
  const worstDeviation = (mix: Mix, given: MixCounts, total: number) => {
    const weight = typesOf(mix).reduce((sum, t) => sum + mix[t]!, 0);
    return Math.max(...typesOf(mix).map((t) => Math.abs((given[t] ?? 0) - (total * mix[t]!) / weight)));
  };

  for (const [name, mix] of Object.entries(MIXES)) {
    it(`${name}: every prefix, one transaction at a time, stays within 1 of the exact shares`, () => {
      const given: MixCounts = {};
      for (let n = 1; n <= 10_000; n++) {
        allocate(mix, given, 1);
        expect(worstDeviation(mix, given, n)).toBeLessThan(1);
      }
    });

    it(`${name}: thousands of calls with random slice sizes hand out what one-at-a-time would, and count each slice exactly`, () => {
      const random = mulberry32(0x5eed + name.length);
      const sliced: MixCounts = {};
      const single: MixCounts = {};
      let total = 0;
      for (let call = 0; call < 3_000; call++) {
        const count = 1 + Math.floor(random() * 64);
        const before = { ...sliced };
        const out = allocate(mix, sliced, count);
        total += count;
        expect(out.reduce((sum, [, n]) => sum + n, 0)).toBe(count);
        for (const [type, n] of out) {
          expect(n).toBeGreaterThan(0);
          expect(sliced[type]).toBe((before[type] ?? 0) + n);
        }
        for (let i = 0; i < count; i++) allocate(mix, single, 1);
        expect(sliced).toEqual(single);
        expect(worstDeviation(mix, sliced, total)).toBeLessThan(1);
      }
      expect(Object.keys(sliced).sort()).toEqual(typesOf(mix).sort());
    });
  }

  it("resumes from a checkpointed count (JSON round trip) exactly where it left off", () => {
    const mix = MIXES["40/25/10/10/5/10"];
    const straight: MixCounts = {};
    allocate(mix, straight, 137);
    const resumed = JSON.parse(JSON.stringify(straight)) as MixCounts;
    const a = allocate(mix, straight, 59);
    const b = allocate(mix, resumed, 59);
    expect(b).toEqual(a);
    expect(resumed).toEqual(straight);
  });

  it("returns the counts in the mix's order, whichever type it picked first", () => {
    // The first transaction goes to the larger share, which is second in this mix.
    const out = allocate({ "eth-transfer": 40, "erc20-transfer": 60 }, {}, 5);
    expect(out).toEqual([
      ["eth-transfer", 2],
      ["erc20-transfer", 3],
    ]);
    expect(allocate({ "eth-transfer": 40, "erc20-transfer": 60 }, {}, 1)).toEqual([["erc20-transfer", 1]]);
  });

  it("a single-type mix gives only that type", () => {
    const given: MixCounts = {};
    for (const count of [1, 7, 500]) expect(allocate({ "storage-write": 100 }, given, count)).toEqual([["storage-write", count]]);
    expect(given).toEqual({ "storage-write": 508 });
  });
});

describe("mix: mixFromRatios", () => {
  it("drops zero shares and names the types by their kebab-case names", () => {
    expect(mixFromRatios({ ethTransfer: 60, erc20Transfer: 0, storageWrite: 25, heavyCompute: 15, uniswapSwap: 0 })).toEqual({
      "eth-transfer": 60,
      "storage-write": 25,
      "heavy-compute": 15,
    });
  });

  it("maps every camelCase key to its own type, and every type has one key", () => {
    for (const [key, type] of Object.entries(RATIO_KEYS)) {
      expect(type.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())).toBe(key);
      expect(mixFromRatios({ [key]: 100 })).toEqual({ [type]: 100 });
    }
    expect(Object.values(RATIO_KEYS).sort()).toEqual([...TRANSACTION_TYPES].sort());
  });
});

describe("tips: tipGwei", () => {
  /** A fixed grid of u over [0, 1): its empirical quantiles are the distribution's. */
  const GRID = [0, ...Array.from({ length: 10_000 }, (_, i) => (i + 0.5) / 10_000), 1 - 2 ** -53];
  const draws = (policy: TipPolicy) => GRID.map((u) => tipGwei(policy, u));
  const quantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))];
  const POLICIES: Array<[number, number]> = [
    [DEFAULT_TIP_POLICY.minGwei, DEFAULT_TIP_POLICY.maxGwei],
    [0, 10],
    [2, 3],
    [1, 100],
    [0.0001, 10_000],
  ];

  for (const distribution of DISTRIBUTIONS) {
    it(`${distribution}: stays within [min, max] for u in [0, 1), and grows with u`, () => {
      for (const [minGwei, maxGwei] of POLICIES) {
        const tips = draws({ minGwei, maxGwei, distribution });
        for (const tip of tips) {
          expect(tip).toBeGreaterThanOrEqual(minGwei);
          expect(tip).toBeLessThanOrEqual(maxGwei);
        }
        for (let i = 1; i < tips.length; i++) expect(tips[i]).toBeGreaterThanOrEqual(tips[i - 1]);
        // It spans the range: the top of the grid comes close to max.
        expect(tips.at(-1)!).toBeGreaterThan(maxGwei - (maxGwei - minGwei) * 0.01);
      }
    });

    it(`${distribution}: min == max gives min`, () => {
      for (const gwei of [0, 0.1, 7]) for (const u of [0, 0.3, 0.999]) expect(tipGwei({ minGwei: gwei, maxGwei: gwei, distribution }, u)).toBe(gwei);
    });
  }

  it("uniform: the mean is the middle of the range", () => {
    for (const [minGwei, maxGwei] of POLICIES) {
      const tips = draws({ minGwei, maxGwei, distribution: "uniform" });
      const mean = tips.reduce((a, b) => a + b, 0) / tips.length;
      expect(Math.abs(mean - (minGwei + maxGwei) / 2)).toBeLessThan((maxGwei - minGwei) * 0.001);
    }
  });

  it("exponential: the median is in the lower part of the range, and power-law's lower still", () => {
    for (const [minGwei, maxGwei] of [POLICIES[0], POLICIES[1], POLICIES[3], POLICIES[4]]) {
      const span = maxGwei - minGwei;
      const sorted = (distribution: TipDistribution) => draws({ minGwei, maxGwei, distribution }).sort((a, b) => a - b);
      const [uniform, exponential, powerLaw] = [sorted("uniform"), sorted("exponential"), sorted("power-law")];
      const exponentialMedian = quantile(exponential, 0.5);
      expect(exponentialMedian).toBeGreaterThan(minGwei);
      expect(exponentialMedian).toBeLessThan(minGwei + span / 4);
      for (const q of [0.25, 0.5, 0.75, 0.9]) {
        expect(quantile(powerLaw, q)).toBeLessThan(quantile(exponential, q));
        expect(quantile(exponential, q)).toBeLessThan(quantile(uniform, q));
      }
      expect(quantile(powerLaw, 0.5)).toBeLessThan(minGwei + span / 20);
    }
  });
});

describe("tips: tipBucket and tipHistogram", () => {
  const policy: TipPolicy = { minGwei: 0.5, maxGwei: 3, distribution: "exponential" };
  const width = (policy.maxGwei - policy.minGwei) / TIP_BUCKETS;

  it("puts min in bucket 0 and max in bucket 9, and each bucket's middle in that bucket", () => {
    expect(TIP_BUCKETS).toBe(10);
    expect(tipBucket(policy, policy.minGwei)).toBe(0);
    expect(tipBucket(policy, policy.maxGwei)).toBe(9);
    expect(tipBucket(policy, policy.maxGwei - 1e-9)).toBe(9);
    expect(tipBucket(policy, policy.minGwei + width - 1e-9)).toBe(0);
    expect(tipBucket(policy, policy.minGwei + width + 1e-9)).toBe(1);
    for (let i = 0; i < TIP_BUCKETS; i++) expect(tipBucket(policy, policy.minGwei + (i + 0.5) * width)).toBe(i);
    // Outside the range (rounding): clamped to the end buckets.
    expect(tipBucket(policy, policy.minGwei - 1)).toBe(0);
    expect(tipBucket(policy, policy.maxGwei + 1)).toBe(9);
    // An empty range has one bucket.
    expect(tipBucket({ ...policy, maxGwei: policy.minGwei }, policy.minGwei)).toBe(0);
  });

  it("every drawn tip falls in the histogram bucket whose bounds hold it", () => {
    const histogram = tipHistogram(policy, []);
    const random = mulberry32(7);
    for (const distribution of DISTRIBUTIONS) {
      for (let n = 0; n < 2_000; n++) {
        const tip = tipGwei({ ...policy, distribution }, random());
        const { fromGwei, toGwei } = histogram.buckets[tipBucket(policy, tip)];
        expect(tip).toBeGreaterThanOrEqual(fromGwei - 1e-12);
        expect(tip).toBeLessThanOrEqual(toGwei + 1e-12);
      }
    }
  });

  it("tipHistogram: ten contiguous equal buckets from min to max, with the counts given (missing ones 0)", () => {
    const counts = [5, 0, 3, 1];
    const histogram = tipHistogram(policy, counts);
    expect(histogram).toMatchObject({ minGwei: 0.5, maxGwei: 3, distribution: "exponential" });
    expect(histogram.buckets).toHaveLength(TIP_BUCKETS);
    expect(histogram.buckets[0].fromGwei).toBe(policy.minGwei);
    expect(histogram.buckets.at(-1)!.toGwei).toBeCloseTo(policy.maxGwei, 12);
    histogram.buckets.forEach((bucket, i) => {
      expect(bucket.toGwei - bucket.fromGwei).toBeCloseTo(width, 12);
      if (i > 0) expect(bucket.fromGwei).toBe(histogram.buckets[i - 1].toGwei);
      expect(bucket.count).toBe(counts[i] ?? 0);
    });
  });
});

describe("fees", () => {
  const quote = { maxFeePerGas: "30000000000", maxPriorityFeePerGas: "2000000000" };

  it("eip1559Fees turns the quote's decimal strings into bigints", () => {
    expect(eip1559Fees(quote)).toEqual({ maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 2_000_000_000n });
  });

  it("withTip: the cap moves with the tip, keeping the quote's headroom", () => {
    for (const tip of [0n, 1n, 2_000_000_000n, 5_000_000_000n, 100_000_000_000n]) {
      const fees = withTip(quote, tip);
      expect(fees.maxPriorityFeePerGas).toBe(tip.toString());
      expect(BigInt(fees.maxFeePerGas) - tip).toBe(28_000_000_000n);
      expect(BigInt(fees.maxFeePerGas)).toBe(28_000_000_000n + tip);
    }
    // Exact beyond 2^53.
    expect(withTip({ maxFeePerGas: "100000000000000000000003", maxPriorityFeePerGas: "1" }, 5n)).toEqual({
      maxFeePerGas: "100000000000000000000007",
      maxPriorityFeePerGas: "5",
    });
  });
});
