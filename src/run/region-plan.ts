/**
 * Where a run's account objects are placed: which location hint each sender index gets.
 *
 * A run names its regions (`regions`), optionally weighted (`regionWeights`); without weights every
 * region weighs 1. The counts per region are the weights' shares of the accounts, rounded by
 * largest remainder (ties to the region given first), with at least one account per region
 * whenever there are as many accounts as regions. The indices are then dealt out by smooth weighted
 * round-robin over those counts, so each region's senders are spread over the index range (the
 * rate dispatch walks indices in turn) and equal weights give plain round-robin: index i in
 * `regions[i % regions.length]`, as runs were placed before weights existed. Pure and
 * deterministic: the same request always names the same objects (`sender:<region>:<index>`).
 */

/** No hint: the platform places the object near the first request that creates it. */
export const NO_REGION = "auto";

export type RegionWeights = Partial<Record<string, number>>;

interface RegionRequest {
  regions?: readonly string[];
  regionWeights?: RegionWeights;
}

/** The run's regions in order: as given; else the weighted ones, in the order they were given; else none (`auto`). */
export function runRegions(request: RegionRequest): string[] {
  if (Array.isArray(request.regions) && request.regions.length > 0) return [...request.regions];
  const weighted = Object.keys(request.regionWeights ?? {});
  return weighted.length > 0 ? weighted : [NO_REGION];
}

/** Each region's weight: as given, 1 for a region the weights leave out. */
export function regionWeightsOf(regions: readonly string[], weights: RegionWeights = {}): number[] {
  return regions.map((r) => {
    const w = weights[r];
    return typeof w === "number" && Number.isFinite(w) && w > 0 ? w : 1;
  });
}

/** How many of `numAccounts` senders each region gets, in the order of `regions`. */
export function regionCounts(numAccounts: number, regions: readonly string[], weights?: RegionWeights): number[] {
  const w = regionWeightsOf(regions, weights);
  const total = w.reduce((s, x) => s + x, 0);
  const quotas = w.map((x) => (numAccounts * x) / total);
  const counts = quotas.map(Math.floor);
  let left = numAccounts - counts.reduce((s, x) => s + x, 0);
  // Largest remainder first; a stable sort keeps ties in the order the regions were given.
  const byRemainder = quotas.map((q, i) => ({ i, rest: q - Math.floor(q) })).sort((a, b) => b.rest - a.rest);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    counts[i] += 1;
    left -= 1;
  }
  // A region named gets an object when there are enough: from the region most over its quota.
  if (numAccounts >= regions.length) {
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] > 0) continue;
      let donor = -1;
      for (let j = 0; j < counts.length; j++) {
        if (counts[j] > 1 && (donor < 0 || counts[j] - quotas[j] > counts[donor] - quotas[donor])) donor = j;
      }
      counts[donor] -= 1;
      counts[i] += 1;
    }
  }
  return counts;
}

/** The region of every sender index, 0 to `numAccounts - 1`. */
export function placeAccounts(numAccounts: number, regions: readonly string[], weights?: RegionWeights): string[] {
  const counts = regionCounts(numAccounts, regions, weights);
  // Smooth weighted round-robin with the counts as weights: one cycle deals each region exactly its count.
  const current = counts.map(() => 0);
  const out: string[] = [];
  for (let n = 0; n < numAccounts; n++) {
    let pick = -1;
    for (let i = 0; i < counts.length; i++) {
      current[i] += counts[i];
      if (counts[i] > 0 && (pick < 0 || current[i] > current[pick])) pick = i;
    }
    current[pick] -= numAccounts;
    out.push(regions[pick]);
  }
  return out;
}
