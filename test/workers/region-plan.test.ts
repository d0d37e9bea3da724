/** Placement of account objects over a run's regions: exact counts, deterministic, spread over the indices. */
import { describe, expect, it } from "vitest";
import { placeAccounts, regionCounts, runRegions } from "../../src/run/region-plan";

const tally = (placed: string[]) => placed.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r]: (acc[r] ?? 0) + 1 }), {});

describe("runRegions", () => {
  it("takes regions as given, else the weighted regions in their order, else no hint", () => {
    expect(runRegions({ regions: ["enam", "weur"], regionWeights: { weur: 3 } })).toEqual(["enam", "weur"]);
    expect(runRegions({ regionWeights: { apac: 1, weur: 2 } })).toEqual(["apac", "weur"]);
    expect(runRegions({})).toEqual(["auto"]);
  });
});

describe("regionCounts", () => {
  it("splits 8 accounts 2:1:1 as 4, 2, 2", () => {
    expect(regionCounts(8, ["weur", "enam", "apac"], { weur: 2, enam: 1, apac: 1 })).toEqual([4, 2, 2]);
  });

  it("rounds by largest remainder, ties to the region given first, and always sums to the accounts", () => {
    // 10 × 2/3 = 6.67, 10 × 1/3 = 3.33
    expect(regionCounts(10, ["weur", "enam"], { weur: 2, enam: 1 })).toEqual([7, 3]);
    // 7 over three equal regions: 2.33 each, the one left over goes to the first.
    expect(regionCounts(7, ["weur", "enam", "apac"])).toEqual([3, 2, 2]);
    // Non-integer weights are shares too: 0.5 : 1.5 of 100.
    expect(regionCounts(100, ["weur", "enam"], { weur: 0.5, enam: 1.5 })).toEqual([25, 75]);
    for (let n = 0; n <= 60; n++) {
      expect(regionCounts(n, ["a", "b", "c", "d"], { a: 5, b: 3, c: 1.5, d: 0.25 }).reduce((s, x) => s + x, 0)).toBe(n);
    }
  });

  it("weighs a region the weights leave out as 1", () => {
    expect(regionCounts(8, ["weur", "enam", "apac"], { weur: 2 })).toEqual([4, 2, 2]);
  });

  it("gives every region named at least one account while there are enough", () => {
    // 4 × 1/101 rounds to 0 for enam: it gets one from weur.
    expect(regionCounts(4, ["weur", "enam"], { weur: 100, enam: 1 })).toEqual([3, 1]);
    expect(regionCounts(3, ["weur", "enam", "apac"], { weur: 100 })).toEqual([1, 1, 1]);
    // Fewer accounts than regions: some get none, and none is made up.
    expect(regionCounts(2, ["weur", "enam", "apac"], { apac: 5 })).toEqual([0, 0, 2]);
  });
});

describe("placeAccounts", () => {
  it("places 8 accounts 2:1:1 with the exact counts, interleaved", () => {
    const placed = placeAccounts(8, ["weur", "enam", "apac"], { weur: 2, enam: 1, apac: 1 });
    expect(tally(placed)).toEqual({ weur: 4, enam: 2, apac: 2 });
    expect(placed).toEqual(["weur", "enam", "apac", "weur", "weur", "enam", "apac", "weur"]);
  });

  it("is deterministic", () => {
    const weights = { weur: 3, enam: 2, apac: 1.5 };
    expect(placeAccounts(1000, ["weur", "enam", "apac"], weights)).toEqual(placeAccounts(1000, ["weur", "enam", "apac"], weights));
  });

  it("without weights is plain round-robin in the order the regions were given", () => {
    const all = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"];
    for (let r = 1; r <= all.length; r++) {
      const regions = all.slice(0, r);
      for (let n = 0; n <= 60; n++) {
        expect(placeAccounts(n, regions), `${n} over ${r}`).toEqual(Array.from({ length: n }, (_, i) => regions[i % r]));
      }
    }
  });

  it("matches the counts for any split, and spreads each region over the index range", () => {
    const regions = ["weur", "enam", "apac", "oc"];
    const weights = { weur: 7, enam: 2, apac: 1, oc: 0.5 };
    for (const n of [1, 4, 11, 50, 333, 1000]) {
      const counts = regionCounts(n, regions, weights);
      const placed = placeAccounts(n, regions, weights);
      expect(regions.map((r) => placed.filter((p) => p === r).length)).toEqual(counts);
      // In every prefix, each region is within one account of its share of the prefix.
      for (let k = 1; k <= n; k++) {
        const prefix = placed.slice(0, k);
        regions.forEach((r, i) => expect(Math.abs(prefix.filter((p) => p === r).length - (k * counts[i]) / n)).toBeLessThan(1 + 1e-9));
      }
    }
  });
});
