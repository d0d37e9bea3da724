/**
 * What each burst of a burst-pattern run did (TestMetrics `bursts`): when it was planned, when its
 * first and last requests left, how far each account object started from the instant, and how
 * many of its transactions were sent and confirmed, in all and per region. One record per burst,
 * plain JSON, kept in the coordinator's checkpointed live state; the per-object skews are kept only
 * until every object of the burst has reported, then only their summaries stay.
 */
import type { BurstTiming } from "../account/timed-burst";
import type { TransactionType } from "../tx/types";
import { NO_REGION } from "./region-plan";
import type { TxLog } from "./tracker";
import type { BurstView, RegionBurstView, SkewSummary } from "./burst-view";

/** One account object's report on its share of a burst, as folded in (exactly once, like every result). */
export interface BurstShareReport {
  timing: BurstTiming;
  /** The reporting object's region (absent in reports of an older build: counted under `auto`). */
  region?: string;
  sent: number;
  failed: number;
  /** The reporting object's index in the run: its share is no longer awaited. */
  account?: number;
  /** Its order came again after the instant and the first never came: nothing sent. */
  missed?: boolean;
}

/** One region's part of a burst. */
export interface RegionBurstRecord {
  /** Objects of the region that reported. */
  reported: number;
  sent: number;
  failed: number;
  confirmed: number;
  /** As the burst's, until the whole burst has reported. */
  skews: number[];
  startSkewMs: SkewSummary | null;
}

export interface BurstRecord {
  plannedAt: number;
  /** Transactions handed out, and to how many account objects (0: known only from reports). */
  planned: number;
  objects: number;
  reported: number;
  firstSendAt: number | null;
  lastSendAt: number | null;
  /** Each reporting object's first send minus `plannedAt`, until all have reported. */
  skews: number[];
  startSkewMs: SkewSummary | null;
  sent: number;
  failed: number;
  confirmed: number;
  /**
   * Not sent: the coordinator reached the burst only after its instant (a restart, a stalled tick),
   * or every share that reported had lost its order with a restart and got it again too late.
   */
  missed: boolean;
  /** Shares that reported missed (counted in `reported`). */
  missedShares?: number;
  /**
   * Shares handed out and not yet reported, by account index: a restarted coordinator hands them
   * out again, since the calls of the instance that checkpointed them may never have left.
   */
  orders?: Record<number, Array<[TransactionType, number]>>;
  /** Per region of the reporting objects (absent in records of an older build). */
  regions?: Record<string, RegionBurstRecord>;
}

/**
 * A confirmed transaction belongs to the last burst planned at or before its send time. Sends
 * leave at the instant or after it; the margin covers a clock read a little early.
 */
const SEND_MARGIN_MS = 250;

export function newBurstRecord(plannedAt: number, planned: number, objects: number, missed = false): BurstRecord {
  return { plannedAt, planned, objects, reported: 0, firstSendAt: null, lastSendAt: null, skews: [], startSkewMs: null, sent: 0, failed: 0, confirmed: 0, missed, regions: {} };
}

/**
 * Folds one object's report into its burst. A report for a burst with no record (handed out by a
 * coordinator instance that restarted before its checkpoint held the burst) gets one of its own.
 */
export function foldBurstReport(bursts: BurstRecord[], report: BurstShareReport): void {
  const { plannedAt, firstSendAt, lastSendAt } = report.timing;
  let record = bursts.find((b) => b.plannedAt === plannedAt);
  if (!record) {
    record = newBurstRecord(plannedAt, 0, 0);
    bursts.push(record);
    bursts.sort((a, b) => a.plannedAt - b.plannedAt);
  }
  if (report.account !== undefined) delete record.orders?.[report.account];
  record.sent += report.sent;
  record.failed += report.failed;
  record.reported += 1;
  if (report.missed) record.missedShares = (record.missedShares ?? 0) + 1;
  // A share sent: handed out after all (by an instance that restarted before its checkpoint held the burst).
  record.missed = record.sent === 0 && record.reported === (record.missedShares ?? 0);
  const region = regionOf(record, report.region ?? NO_REGION);
  region.sent += report.sent;
  region.failed += report.failed;
  region.reported += 1;
  // An object with nothing to send (all of its share refused before sending) has no send time.
  if (firstSendAt > 0) {
    record.firstSendAt = record.firstSendAt === null ? firstSendAt : Math.min(record.firstSendAt, firstSendAt);
    record.lastSendAt = record.lastSendAt === null ? lastSendAt : Math.max(record.lastSendAt, lastSendAt);
    record.skews.push(firstSendAt - plannedAt);
    record.startSkewMs = summarizeSkews(record.skews);
    region.skews.push(firstSendAt - plannedAt);
    region.startSkewMs = summarizeSkews(region.skews);
  }
  if (record.objects > 0 && record.reported >= record.objects) {
    record.skews = [];
    for (const r of Object.values(record.regions ?? {})) r.skews = [];
  }
}

function regionOf(record: BurstRecord, region: string): RegionBurstRecord {
  const regions = (record.regions ??= {});
  return (regions[region] ??= { reported: 0, sent: 0, failed: 0, confirmed: 0, skews: [], startSkewMs: null });
}

/** Counts the confirmed transactions among `logs` (each confirmation is logged once) against their bursts. */
export function countBurstConfirmations(bursts: BurstRecord[], logs: TxLog[]): void {
  if (bursts.length === 0) return;
  for (const log of logs) {
    if (log.status !== "confirmed") continue;
    const record = burstAt(bursts, log.sentAt + SEND_MARGIN_MS);
    if (!record) continue;
    record.confirmed += 1;
    regionOf(record, log.region).confirmed += 1;
  }
}

/** The view of a burst, its regions in the run's order (`regionOrder`), then any other. */
export function burstView(record: BurstRecord, regionOrder: readonly string[] = []): BurstView {
  const { plannedAt, planned, firstSendAt, lastSendAt, startSkewMs, sent, failed, confirmed, missed } = record;
  const regions: Record<string, RegionBurstView> = {};
  const rank = (name: string) => (regionOrder.includes(name) ? regionOrder.indexOf(name) : regionOrder.length);
  const entries = Object.entries(record.regions ?? {}).sort(([a], [b]) => rank(a) - rank(b));
  for (const [name, r] of entries) {
    regions[name] = { accounts: r.reported, sent: r.sent, failed: r.failed, confirmed: r.confirmed, startSkewMs: r.startSkewMs };
  }
  return { plannedAt, planned, firstSendAt, lastSendAt, startSkewMs, sent, failed, confirmed, missed, regions };
}

export function summarizeSkews(skews: number[]): SkewSummary {
  const sorted = [...skews].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

/** The last burst planned at or before `at` (bursts sorted by instant). */
function burstAt(bursts: BurstRecord[], at: number): BurstRecord | undefined {
  let lo = 0;
  let hi = bursts.length - 1;
  let found: BurstRecord | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (bursts[mid].plannedAt <= at) {
      found = bursts[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
