/**
 * The workload's pure parts, without a chain: the mix allocator, tip draws and their histogram,
 * fee fields, the contract builders' calldata, the per-account workload builder, the run's
 * workload plan and the contract deployment plan.
 */
import { decodeDeployData, decodeFunctionData, getAddress, getContractAddress, isAddress, maxUint256, zeroAddress, type Address, type Hex, type TransactionSerializable } from "viem";
import { describe, expect, it } from "vitest";
import { EMPTY_WORKLOAD, emptyTipCounts, workloadBuilder, type AccountWorkload, type BuildCounters } from "../../src/account/workload";
import type { StartTestRequest } from "../../src/api/schemas";
import { ABI } from "../../src/contracts/abis";
import { BYTECODE } from "../../src/contracts/bytecode";
import { GROUP_ROLES, planGroup, type GroupPlan } from "../../src/contracts/deploy-plan";
import { FULL_RANGE_TICK, POOL_FEE, SEED_USDC, SEED_WETH, initialSqrtPriceX96, poolAddress } from "../../src/contracts/uniswap-pool";
import { DEFAULT_RATIOS, contractGroups, expectedOfType, fundingUnit, needsReceipts, nftsNeeded, runMix, tipPolicyOf } from "../../src/run/workload-plan";
import { TYPE_SPECS } from "../../src/tx/builders";
import { APPROVE_SPENDER, erc20Approve, erc20Transfer } from "../../src/tx/erc20";
import { erc721Transfer } from "../../src/tx/erc721-transfer";
import { eip1559Fees, withTip } from "../../src/tx/fees";
import { HEAVY_COMPUTE_ROUNDS, heavyCompute, storageWrite } from "../../src/tx/gas-consumer";
import { RATIO_KEYS, allocate, mixFromRatios, typesOf, type Mix, type MixCounts } from "../../src/tx/mix";
import { DEFAULT_TIP_POLICY, TIP_BUCKETS, tipBucket, tipGwei, tipHistogram, type TipDistribution, type TipPolicy } from "../../src/tx/tips";
import { TRANSACTION_TYPES, type BuildContext, type BuiltTransaction, type ContractRole, type LoadContext, type TransactionType } from "../../src/tx/types";
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

const FROM: Address = "0x1111111111111111111111111111111111111111";
const CONTRACTS = {
  erc20: "0x2000000000000000000000000000000000000020",
  erc721: "0x7210000000000000000000000000000000000721",
  gasConsumer: "0x6a50000000000000000000000000000000000c0e",
} as const satisfies LoadContext["contracts"];
const QUOTE = { maxFeePerGas: "30000000000", maxPriorityFeePerGas: "2000000000" };
const BASE: BuildContext = { chainId: 31337, nonce: 9, fees: QUOTE, from: FROM };
const NFT_IDS = ["17", "4", "230"];
const loadContext = (over: Partial<LoadContext> = {}): LoadContext => ({ ...BASE, contracts: CONTRACTS, seq: 0, nftIds: NFT_IDS, gas: 123_456n, ...over });

const decode = (abi: keyof typeof ABI, tx: TransactionSerializable): { functionName: string; args: readonly unknown[] } => {
  const { functionName, args } = decodeFunctionData({ abi: ABI[abi], data: tx.data as Hex });
  return { functionName, args: args ?? [] };
};

describe("contract builders: calldata decoded with the contracts' ABIs", () => {
  /** What every contract builder carries besides its calldata. */
  const expectEnvelope = (tx: TransactionSerializable, to: Address, ctx: LoadContext) =>
    expect(tx).toMatchObject({ type: "eip1559", chainId: ctx.chainId, nonce: ctx.nonce, to, value: 0n, gas: ctx.gas, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 2_000_000_000n });

  it("erc20-transfer: transfer(fresh address, 1), a different recipient each build", () => {
    const ctx = loadContext();
    const recipients = new Set<string>();
    for (let n = 0; n < 2; n++) {
      const tx = erc20Transfer(ctx);
      expectEnvelope(tx, CONTRACTS.erc20, ctx);
      const { functionName, args } = decode("erc20", tx);
      expect(functionName).toBe("transfer");
      const [to, amount] = args as [Address, bigint];
      expect(isAddress(to)).toBe(true);
      expect([zeroAddress, FROM, CONTRACTS.erc20]).not.toContain(to);
      expect(amount).toBe(1n);
      recipients.add(to.toLowerCase());
    }
    expect(recipients.size).toBe(2);
  });

  it("erc20-approve: approve(APPROVE_SPENDER, max uint256)", () => {
    const ctx = loadContext({ gas: 60_001n });
    const tx = erc20Approve(ctx);
    expectEnvelope(tx, CONTRACTS.erc20, ctx);
    expect(decode("erc20", tx)).toEqual({ functionName: "approve", args: [getAddress(APPROVE_SPENDER), maxUint256] });
  });

  it("storage-write: store(seq + 1), never 0", () => {
    for (const seq of [0, 1, 41]) {
      const ctx = loadContext({ seq });
      const tx = storageWrite(ctx);
      expectEnvelope(tx, CONTRACTS.gasConsumer, ctx);
      expect(decode("gasConsumer", tx)).toEqual({ functionName: "store", args: [BigInt(seq + 1)] });
    }
  });

  it("heavy-compute: consumeGas(1000)", () => {
    const ctx = loadContext({ seq: 5 });
    const tx = heavyCompute(ctx);
    expectEnvelope(tx, CONTRACTS.gasConsumer, ctx);
    expect(HEAVY_COMPUTE_ROUNDS).toBe(1_000n);
    expect(decode("gasConsumer", tx)).toEqual({ functionName: "consumeGas", args: [1_000n] });
  });

  it("erc721-transfer: transferFrom(from, fresh address, nftIds[seq]), wrapping around past the last", () => {
    const recipients = new Set<string>();
    const expected = ["17", "4", "230", "17", "4"];
    expected.forEach((id, seq) => {
      const ctx = loadContext({ seq });
      const tx = erc721Transfer(ctx);
      expectEnvelope(tx, CONTRACTS.erc721, ctx);
      const { functionName, args } = decode("erc721", tx);
      expect(functionName).toBe("transferFrom");
      const [from, to, tokenId] = args as [Address, Address, bigint];
      expect(from).toBe(FROM);
      expect(isAddress(to)).toBe(true);
      expect(to.toLowerCase()).not.toBe(FROM.toLowerCase());
      expect(tokenId).toBe(BigInt(id));
      recipients.add(to.toLowerCase());
    });
    expect(recipients.size).toBe(expected.length);
  });

  it("erc721-transfer without NFTs: a clear error", () => {
    expect(() => erc721Transfer(loadContext({ nftIds: [] }))).toThrow(/holds no NFT.*erc721-transfer/);
  });

  it("a missing contract: a clear error naming the role", () => {
    const none = loadContext({ contracts: {} });
    expect(() => erc20Transfer(none)).toThrow(/no erc20 contract/);
    expect(() => erc20Approve(none)).toThrow(/no erc20 contract/);
    expect(() => storageWrite(none)).toThrow(/no gasConsumer contract/);
    expect(() => heavyCompute(none)).toThrow(/no gasConsumer contract/);
    expect(() => erc721Transfer(none)).toThrow(/no erc721 contract/);
    // The other roles are no substitute.
    expect(() => storageWrite(loadContext({ contracts: { erc20: CONTRACTS.erc20, erc721: CONTRACTS.erc721 } }))).toThrow(/no gasConsumer contract/);
  });
});

/** The types in these tests build synchronously (only set-code signs something of its own later). */
function syncWorkloadBuilder(...args: Parameters<typeof workloadBuilder>): (ctx: BuildContext) => BuiltTransaction {
  const build = workloadBuilder(...args);
  return (ctx) => {
    const built = build(ctx);
    if (built instanceof Promise) throw new Error("expected a synchronous build");
    return built;
  };
}

describe("workloadBuilder", () => {
  const WORKLOAD: AccountWorkload = { contracts: CONTRACTS, gasLimits: {}, tipPolicy: null, nftIds: NFT_IDS };
  /** A random source a test must not reach. */
  const noRandom = () => {
    throw new Error("random drawn without a tip policy");
  };

  it("builds the i-th transaction as the i-th type of the burst's mix, each type's seq counting 0, 1, 2…", () => {
    const counters: BuildCounters = {};
    const tips = emptyTipCounts();
    const mix: Array<[TransactionType, number]> = [["storage-write", 3], ["eth-transfer", 1], ["erc721-transfer", 2], ["erc20-approve", 1]];
    const build = syncWorkloadBuilder(WORKLOAD, counters, mix, tips, noRandom);
    const built = Array.from({ length: 7 }, (_, nonce) => build({ ...BASE, nonce }));
    expect(built.map((b) => b.type)).toEqual(["storage-write", "storage-write", "storage-write", "eth-transfer", "erc721-transfer", "erc721-transfer", "erc20-approve"]);
    expect(built.map((b) => b.tx.nonce)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(built.slice(0, 3).map((b) => decode("gasConsumer", b.tx).args)).toEqual([[1n], [2n], [3n]]);
    expect(built.slice(4, 6).map((b) => decode("erc721", b.tx).args[2])).toEqual([17n, 4n]);
    expect(built[3].tx.to).not.toBe(CONTRACTS.erc20);
    expect(built[6].tx.to).toBe(CONTRACTS.erc20);
    expect(counters).toEqual({ "storage-write": 3, "eth-transfer": 1, "erc721-transfer": 2, "erc20-approve": 1 });
    expect(tips).toEqual(emptyTipCounts());
  });

  it("continues each type's seq from the stored counters in the next burst", () => {
    const counters: BuildCounters = { "storage-write": 10, "erc721-transfer": 2 };
    const build = syncWorkloadBuilder(WORKLOAD, counters, [["erc721-transfer", 2], ["storage-write", 2]], [], noRandom);
    const built = Array.from({ length: 4 }, () => build(BASE));
    expect(decode("erc721", built[0].tx).args[2]).toBe(230n);
    expect(decode("erc721", built[1].tx).args[2]).toBe(17n);
    expect(decode("gasConsumer", built[2].tx).args).toEqual([11n]);
    expect(decode("gasConsumer", built[3].tx).args).toEqual([12n]);
    expect(counters).toEqual({ "storage-write": 12, "erc721-transfer": 4 });
  });

  it("without a tip policy: the quote's fees, no draw, no tip counted", () => {
    const tips = emptyTipCounts();
    const { tx } = syncWorkloadBuilder(WORKLOAD, {}, [["erc20-transfer", 1]], tips, noRandom)(BASE);
    expect(tx).toMatchObject({ maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 2_000_000_000n });
    expect(tips).toEqual(emptyTipCounts());
  });

  it("with a tip policy: a tip drawn per transaction sets maxPriorityFeePerGas (cap moved with it), counted in its bucket", () => {
    const tipPolicy: TipPolicy = { minGwei: 1, maxGwei: 2, distribution: "uniform" };
    const us = [0, 0.5, 0.25, 0.999];
    const tips = emptyTipCounts();
    const build = syncWorkloadBuilder({ ...WORKLOAD, tipPolicy }, {}, [["eth-transfer", 2], ["storage-write", 2]], tips, () => us.shift()!);
    const built = Array.from({ length: 4 }, () => build(BASE).tx);
    expect(built.map((tx) => tx.maxPriorityFeePerGas)).toEqual([1_000_000_000n, 1_500_000_000n, 1_250_000_000n, 1_999_000_000n]);
    for (const tx of built) expect(tx.maxFeePerGas! - tx.maxPriorityFeePerGas!).toBe(28_000_000_000n);
    expect(tips).toEqual([1, 0, 1, 0, 0, 1, 0, 0, 0, 1]);
  });

  it("tip counts over many builds sum to the number built, the tips vary, and all stay in the policy", () => {
    for (const distribution of DISTRIBUTIONS) {
      const tipPolicy: TipPolicy = { ...DEFAULT_TIP_POLICY, distribution };
      const tips = emptyTipCounts();
      const build = syncWorkloadBuilder({ ...WORKLOAD, tipPolicy }, {}, [["eth-transfer", 3], ["heavy-compute", 1]], tips, mulberry32(99));
      const seen = new Set<bigint>();
      for (let n = 0; n < 1_000; n++) {
        const tip = build(BASE).tx.maxPriorityFeePerGas!;
        expect(tip).toBeGreaterThanOrEqual(100_000_000n);
        expect(tip).toBeLessThanOrEqual(5_000_000_000n);
        seen.add(tip);
      }
      expect(tips).toHaveLength(TIP_BUCKETS);
      expect(tips.reduce((a, b) => a + b, 0)).toBe(1_000);
      expect(seen.size).toBeGreaterThan(900);
    }
  });

  it("gas: the workload's gasLimits override, else the table's limit for the type", () => {
    const workload: AccountWorkload = { ...WORKLOAD, gasLimits: { "erc20-transfer": "91234" } };
    const build = syncWorkloadBuilder(workload, {}, [["erc20-transfer", 1], ["storage-write", 1], ["heavy-compute", 1]], [], noRandom);
    const [transfer, store, compute] = Array.from({ length: 3 }, () => build(BASE).tx);
    expect(transfer.gas).toBe(91_234n);
    expect(store.gas).toBe(TYPE_SPECS["storage-write"].gas);
    expect(compute.gas).toBe(TYPE_SPECS["heavy-compute"].gas);
    expect(store.gas).not.toBe(compute.gas);
  });

  it("the empty workload has no contracts: a contract type fails clearly", () => {
    const build = syncWorkloadBuilder(EMPTY_WORKLOAD, {}, [["erc20-transfer", 1]], [], noRandom);
    expect(() => build(BASE)).toThrow(/no erc20 contract/);
  });
});

describe("workload plan", () => {
  type Request = Parameters<typeof runMix>[0];
  const constant = (transactionType: TransactionType): Request => ({ pattern: "constant", transactionType });
  const realistic = (config: Partial<NonNullable<StartTestRequest["realisticConfig"]>> = {}, pattern: Request["pattern"] = "realistic"): Request => ({
    pattern,
    transactionType: "eth-transfer",
    realisticConfig: { targetTps: 50, ...config },
  });
  const DEFAULT_MIX: Mix = { "eth-transfer": 40, "erc20-transfer": 25, "erc20-approve": 10, "storage-write": 10, "heavy-compute": 5, "erc721-transfer": 10 };

  it("runMix: a single-type run is that type alone, whatever the realistic config says", () => {
    expect(runMix(constant("erc20-approve"))).toEqual({ "erc20-approve": 100 });
    expect(runMix({ ...realistic({ txTypeRatios: { storageWrite: 100 } }), pattern: "ramp" })).toEqual({ "eth-transfer": 100 });
  });

  it("runMix: a realistic run takes txTypeRatios (zeros dropped), else DEFAULT_RATIOS", () => {
    expect(runMix(realistic({ txTypeRatios: { ethTransfer: 70, storageWrite: 30, erc20Approve: 0 } }))).toEqual({ "eth-transfer": 70, "storage-write": 30 });
    expect(runMix(realistic())).toEqual(DEFAULT_MIX);
    expect(runMix(realistic({}, "adaptive-realistic"))).toEqual(DEFAULT_MIX);
    expect(mixFromRatios(DEFAULT_RATIOS)).toEqual(DEFAULT_MIX);
  });

  it("tipPolicyOf: none for a single-type run; the defaults, overridden field by field, for a realistic one", () => {
    expect(tipPolicyOf(constant("eth-transfer"))).toBeNull();
    expect(tipPolicyOf(realistic())).toEqual(DEFAULT_TIP_POLICY);
    expect(DEFAULT_TIP_POLICY).toEqual({ minGwei: 0.1, maxGwei: 5, distribution: "exponential" });
    expect(tipPolicyOf(realistic({ tipDistribution: "power-law" }))).toEqual({ minGwei: 0.1, maxGwei: 5, distribution: "power-law" });
    expect(tipPolicyOf(realistic({ minTipGwei: 1, maxTipGwei: 3, tipDistribution: "uniform" }))).toEqual({ minGwei: 1, maxGwei: 3, distribution: "uniform" });
    expect(tipPolicyOf(realistic({ minTipGwei: 2 }))).toEqual({ minGwei: 2, maxGwei: 5, distribution: "exponential" });
    expect(tipPolicyOf(realistic({ maxTipGwei: 1 }))).toEqual({ minGwei: 0.1, maxGwei: 1, distribution: "exponential" });
  });

  it("tipPolicyOf: a bound left out never crosses the one given, so no tip leaves the range asked for", () => {
    const low = tipPolicyOf(realistic({ maxTipGwei: 0.05 }))!;
    expect(low.maxGwei).toBe(0.05);
    expect(low.minGwei).toBeLessThanOrEqual(0.05);
    const high = tipPolicyOf(realistic({ minTipGwei: 8 }))!;
    expect(high.minGwei).toBe(8);
    expect(high.maxGwei).toBeGreaterThanOrEqual(8);
    for (const distribution of DISTRIBUTIONS) {
      for (const u of [0, 0.5, 0.99]) {
        expect(tipGwei({ ...low, distribution }, u)).toBeLessThanOrEqual(0.05);
        expect(tipGwei({ ...high, distribution }, u)).toBeGreaterThanOrEqual(8);
      }
    }
  });

  it("contractGroups: each group once, none for types without contracts", () => {
    expect(contractGroups(DEFAULT_MIX).sort()).toEqual(["erc20", "erc721", "gasConsumer"]);
    expect(contractGroups({ "erc20-transfer": 50, "erc20-approve": 50 })).toEqual(["erc20"]);
    expect(contractGroups({ "storage-write": 1, "heavy-compute": 1, "eth-transfer": 1 })).toEqual(["gasConsumer"]);
    expect(contractGroups({ "eth-transfer": 60, "calldata-heavy": 40 })).toEqual([]);
  });

  it("needsReceipts: only a plain-transfer run may skip them", () => {
    expect(needsReceipts({ "eth-transfer": 100 })).toBe(false);
    expect(needsReceipts({ "eth-transfer": 99, "calldata-heavy": 1 })).toBe(true);
    expect(needsReceipts({ "erc20-transfer": 100 })).toBe(true);
    expect(needsReceipts(DEFAULT_MIX)).toBe(true);
  });

  it("fundingUnit: the largest gas and the largest value over the mix's types", () => {
    expect(fundingUnit({ "eth-transfer": 100 })).toEqual({ gas: 21_000n, value: 1n });
    expect(fundingUnit(DEFAULT_MIX)).toEqual({ gas: TYPE_SPECS["heavy-compute"].gas, value: 1n });
    expect(fundingUnit({ "erc20-transfer": 1, "calldata-heavy": 1 })).toEqual({ gas: TYPE_SPECS["calldata-heavy"].gas, value: 0n });
    expect(fundingUnit({ "erc20-approve": 1, "erc721-transfer": 1 })).toEqual({ gas: 100_000n, value: 0n });
  });

  it("expectedOfType: the type's share of the account's expected count", () => {
    expect(expectedOfType(DEFAULT_MIX, "eth-transfer", 1_000)).toBe(400);
    expect(expectedOfType(DEFAULT_MIX, "heavy-compute", 1_000)).toBe(50);
    expect(expectedOfType({ "storage-write": 1, "erc721-transfer": 3 }, "erc721-transfer", 100)).toBe(75);
    expect(expectedOfType(DEFAULT_MIX, "calldata-heavy", 1_000)).toBe(0);
    expect(expectedOfType({}, "eth-transfer", 1_000)).toBe(0);
  });

  it("nftsNeeded: half again the expected transfers, rounded up, plus 4", () => {
    expect(nftsNeeded(0)).toBe(4);
    expect(nftsNeeded(3)).toBe(9);
    expect(nftsNeeded(10)).toBe(19);
    expect(nftsNeeded(12.4)).toBe(23);
  });
});

describe("deploy plan", () => {
  const FUNDER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
  const decodeCall = (plan: GroupPlan, index: number, abi: keyof typeof ABI) => decode(abi, { data: plan.calls[index].data } as TransactionSerializable);

  for (const group of ["erc20", "erc721", "gasConsumer", "delegate"] as const) {
    it(`${group}: one creation, at the address the funder's nonce gives`, () => {
      for (const nonce of [0, 7, 1_234]) {
        const plan = planGroup(group, FUNDER, nonce);
        const address = getContractAddress({ from: FUNDER, nonce: BigInt(nonce) });
        expect(plan.calls).toHaveLength(1);
        expect(plan.calls[0]).toMatchObject({ creates: group });
        expect(plan.calls[0].to).toBeUndefined();
        expect(plan.calls[0].data.startsWith(BYTECODE[group])).toBe(true);
        expect(plan.addresses).toEqual({ [group]: address });
        expect(Object.keys(plan.addresses)).toEqual(GROUP_ROLES[group]);
      }
    });
  }

  it("erc20 and erc721: constructed with their names", () => {
    const erc20 = planGroup("erc20", FUNDER, 0).calls[0].data;
    expect(decodeDeployData({ abi: ABI.erc20, bytecode: BYTECODE.erc20, data: erc20 }).args).toEqual(["Load Token", "LOAD"]);
    const erc721 = planGroup("erc721", FUNDER, 0).calls[0].data;
    expect(decodeDeployData({ abi: ABI.erc721, bytecode: BYTECODE.erc721, data: erc721 }).args).toEqual(["Load NFT", "LNFT", ""]);
  });

  /** Plans of the uniswap group from FUNDER, one where WETH sorts first and one where USDC does. */
  const uniswapPlans = () => {
    const found: Partial<Record<"wethFirst" | "usdcFirst", { plan: GroupPlan; nonce: number }>> = {};
    for (let nonce = 0; nonce < 64 && !(found.wethFirst && found.usdcFirst); nonce++) {
      const plan = planGroup("uniswap", FUNDER, nonce);
      found[BigInt(plan.addresses.weth9!) < BigInt(plan.addresses.usdc!) ? "wethFirst" : "usdcFirst"] ??= { plan, nonce };
    }
    expect(found.wethFirst && found.usdcFirst, "both token orders within 64 nonces").toBeTruthy();
    return found as Required<typeof found>;
  };

  it("uniswap: five creations at consecutive nonces, then the set-up calls in an order that works", () => {
    for (const { plan, nonce } of Object.values(uniswapPlans())) {
      const a = plan.addresses;
      const creations: ContractRole[] = ["weth9", "usdc", "uniswapV3Factory", "swapRouter", "nonfungiblePositionManager"];
      expect(plan.calls).toHaveLength(12);
      creations.forEach((role, i) => {
        expect(plan.calls[i]).toMatchObject({ creates: role });
        expect(plan.calls[i].to).toBeUndefined();
        expect(plan.calls[i].gas).toBeUndefined();
        expect(a[role]).toBe(getContractAddress({ from: FUNDER, nonce: BigInt(nonce + i) }));
      });
      expect(Object.keys(a).sort()).toEqual([...GROUP_ROLES.uniswap].sort());
      expect(a.uniswapPool).toBe(poolAddress(a.uniswapV3Factory!, a.weth9!, a.usdc!));
      expect(poolAddress(a.uniswapV3Factory!, a.usdc!, a.weth9!)).toBe(a.uniswapPool);

      // The router and the position manager are built on this factory and this WETH.
      expect(decodeDeployData({ abi: ABI.swapRouter, bytecode: BYTECODE.swapRouter, data: plan.calls[3].data }).args).toEqual([a.uniswapV3Factory, a.weth9]);
      expect(decodeDeployData({ abi: ABI.nonfungiblePositionManager, bytecode: BYTECODE.nonfungiblePositionManager, data: plan.calls[4].data }).args).toEqual([
        a.uniswapV3Factory,
        a.weth9,
        zeroAddress,
      ]);

      const [token0, token1] = BigInt(a.weth9!) < BigInt(a.usdc!) ? [a.weth9!, a.usdc!] : [a.usdc!, a.weth9!];
      const steps = plan.calls.slice(5).map((call, k) => ({ to: call.to, value: call.value ?? 0n, gas: call.gas, ...decodeCall(plan, 5 + k, ["uniswapV3Factory", "uniswapV3Pool", "weth9", "erc20", "weth9", "erc20", "nonfungiblePositionManager"][k] as keyof typeof ABI) }));
      expect(steps.map((s) => [s.to, s.functionName])).toEqual([
        [a.uniswapV3Factory, "createPool"],
        [a.uniswapPool, "initialize"],
        [a.weth9, "deposit"],
        [a.usdc, "mint"],
        [a.weth9, "approve"],
        [a.usdc, "approve"],
        [a.nonfungiblePositionManager, "mint"],
      ]);
      for (const step of steps) expect(step.gas).toBeGreaterThan(0n);
      expect(steps[0].args).toEqual([token0, token1, POOL_FEE]);
      expect(steps[1].args).toEqual([initialSqrtPriceX96(token0 === a.weth9)]);
      expect(steps[2].value).toBe(SEED_WETH);
      expect(steps[3].args).toEqual([FUNDER, SEED_USDC]);
      expect(steps[4].args).toEqual([a.nonfungiblePositionManager, maxUint256]);
      expect(steps[5].args).toEqual([a.nonfungiblePositionManager, maxUint256]);
      const [seed] = steps[6].args as [Record<string, unknown>];
      const amountOf = (token: Address) => (token === a.weth9 ? SEED_WETH : SEED_USDC);
      expect(seed).toMatchObject({
        token0,
        token1,
        fee: POOL_FEE,
        tickLower: -FULL_RANGE_TICK,
        tickUpper: FULL_RANGE_TICK,
        amount0Desired: amountOf(token0),
        amount1Desired: amountOf(token1),
        recipient: FUNDER,
      });
      expect(FULL_RANGE_TICK % 60).toBe(0);
      // The seeding mint does not expire while it waits: its deadline is centuries away.
      expect(seed.deadline as bigint).toBeGreaterThan(BigInt(Math.floor(Date.now() / 1000) + 100 * 365 * 86_400));
    }
  });

  it("uniswap: the pool starts near 2,000 USDC per WETH whichever token sorts first", () => {
    const usdcPerWeth = (sqrtPriceX96: bigint, wethIsToken0: boolean) => {
      const price = (Number(sqrtPriceX96) / 2 ** 96) ** 2; // token1 per token0
      return wethIsToken0 ? price : 1 / price;
    };
    for (const wethIsToken0 of [true, false]) expect(usdcPerWeth(initialSqrtPriceX96(wethIsToken0), wethIsToken0)).toBeCloseTo(2_000, 6);
    const { wethFirst, usdcFirst } = uniswapPlans();
    expect(usdcPerWeth(decodeCall(wethFirst.plan, 6, "uniswapV3Pool").args[0] as bigint, true)).toBeCloseTo(2_000, 6);
    expect(usdcPerWeth(decodeCall(usdcFirst.plan, 6, "uniswapV3Pool").args[0] as bigint, false)).toBeCloseTo(2_000, 6);
    // The two orders really differ: a price of 2,000 one way is 1/2,000 the other.
    expect(initialSqrtPriceX96(true)).not.toBe(initialSqrtPriceX96(false));
  });
});
