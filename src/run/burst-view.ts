/**
 * TestMetrics `bursts`, as the API gives them: plain view types with no imports, so that clients of
 * the API (the dashboard) can type them without the worker's modules. burst-stats.ts builds them.
 */

export interface SkewSummary {
  p50: number;
  p99: number;
  max: number;
}

/** TestMetrics `bursts[].regions[region]`: the region's objects' start skew and what they sent. */
export interface RegionBurstView {
  accounts: number;
  sent: number;
  failed: number;
  confirmed: number;
  startSkewMs: SkewSummary | null;
}

/** TestMetrics `bursts[]`. */
export interface BurstView {
  plannedAt: number;
  planned: number;
  firstSendAt: number | null;
  lastSendAt: number | null;
  startSkewMs: SkewSummary | null;
  sent: number;
  failed: number;
  confirmed: number;
  missed: boolean;
  /** Per region of the run, in the order the run gave them. */
  regions: Record<string, RegionBurstView>;
}
