/**
 * A run's figures per region (TestMetrics `regions`): load counters and one send and one confirm
 * latency sketch per region. Bounded by the number of regions (at most the nine location hints and
 * `auto`), never by transactions; plain JSON, so the tracker's snapshot carries it as is.
 */
import { emptySketch, summarize, type LatencySummary, type SketchData } from "../metrics/latency-sketch";
import { regionWeightsOf, type RegionWeights } from "./region-plan";

export interface RegionTotals {
  sent: number;
  confirmed: number;
  /** Failed, reverted included (as `txFailed`). */
  failed: number;
  discarded: number;
  sendLatency: SketchData;
  confirmLatency: SketchData;
}

export type RegionCounter = "sent" | "confirmed" | "failed" | "discarded";

/** TestMetrics `regions[region]`. */
export interface RegionFigures {
  /** The region's relative share of the accounts (`regionWeights`; 1 when not weighted). */
  weight: number;
  accounts: number;
  txSent: number;
  txConfirmed: number;
  txFailed: number;
  txDiscarded: number;
  sendLatency: LatencySummary;
  confirmLatency: LatencySummary;
}

export function emptyRegionTotals(): RegionTotals {
  return { sent: 0, confirmed: 0, failed: 0, discarded: 0, sendLatency: emptySketch(), confirmLatency: emptySketch() };
}

/** The region's totals, created on first use. */
export function totalsOf(regions: Record<string, RegionTotals>, region: string): RegionTotals {
  return (regions[region] ??= emptyRegionTotals());
}

/** Totals restored from a checkpoint; one of an older build holds only confirmed counts per region. */
export function restoreRegionTotals(saved: Record<string, RegionTotals> | undefined, legacyConfirmed: Record<string, number> | undefined): Record<string, RegionTotals> {
  if (saved) return structuredClone(saved);
  const out: Record<string, RegionTotals> = {};
  for (const [region, confirmed] of Object.entries(legacyConfirmed ?? {})) out[region] = { ...emptyRegionTotals(), confirmed };
  return out;
}

/**
 * Every region of the run, in the order the run gave them (a region with no account, or no
 * transaction yet, is listed with zeros), then any region only the totals know.
 */
export function regionFigures(
  regions: readonly string[],
  weights: RegionWeights | undefined,
  accountRegions: readonly string[],
  totals: Record<string, RegionTotals>,
): Record<string, RegionFigures> {
  const w = regionWeightsOf(regions, weights);
  const weightOf = new Map(regions.map((r, i) => [r, w[i]]));
  const accounts = new Map<string, number>();
  for (const r of accountRegions) accounts.set(r, (accounts.get(r) ?? 0) + 1);
  const out: Record<string, RegionFigures> = {};
  for (const region of new Set([...regions, ...accounts.keys(), ...Object.keys(totals)])) {
    const t = totals[region] ?? emptyRegionTotals();
    out[region] = {
      weight: weightOf.get(region) ?? 1,
      accounts: accounts.get(region) ?? 0,
      txSent: t.sent,
      txConfirmed: t.confirmed,
      txFailed: t.failed,
      txDiscarded: t.discarded,
      sendLatency: summarize(t.sendLatency),
      confirmLatency: summarize(t.confirmLatency),
    };
  }
  return out;
}
