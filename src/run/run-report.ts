/** Turning a run's record and tracker into TestMetrics, a D1 run row and time-series rows. */
import { quantile, summarize } from "../metrics/latency-sketch";
import { idleMetrics, type TestMetrics } from "../metrics/test-metrics";
import type { NewRun } from "../db/queries";
import type { timeSeries } from "../db/schema";
import { adaptiveView } from "./adaptive";
import { builderView } from "./builder-view";
import { burstView } from "./burst-stats";
import { peakRate, rateAt } from "./patterns";
import { rateLimitView } from "./rate-limit";
import type { AccountSlot, LiveRun, RunRecord } from "./run-state";
import { regionFigures, type RegionTotals } from "./region-figures";
import { tickView } from "./tick-stats";
import type { SecondTotals, TypeCounts } from "./tracker";
import { tipHistogram } from "../tx/tips";
import { isRealistic, tipPolicyOf } from "./workload-plan";

const round2 = (v: number) => Math.round(v * 100) / 100;

export function buildMetrics(run: RunRecord, accounts: AccountSlot[], live: LiveRun | undefined, now: number): TestMetrics {
  const base: TestMetrics = {
    ...idleMetrics(),
    runId: run.runId,
    name: run.request.name ?? null,
    scheduleId: run.scheduleId ?? null,
    status: run.status,
    initPhase: run.initPhase,
    initPhasesMs: { ...run.initPhasesMs },
    pattern: run.request.pattern,
    transactionType: isRealistic(run.request) ? "mixed" : run.request.transactionType,
    startedAt: run.startedAt,
    targetTps: peakRate(run.request),
    startBlock: run.startBlock,
    endBlock: run.endBlock,
    verification: run.verification,
    error: run.error,
    accountsActive: accounts.length,
    regions: regionBreakdown(run, accounts, {}),
    coordinatorRestarts: run.restarts,
    stopSequenceMs: run.stopSequenceMs,
    txLogEvery: run.txLogEvery,
    contracts: { ...run.contracts },
  };
  if (!live || run.startedAt === null) return base;
  const tracker = live.tracker;
  const sendingMs = (run.sendingEndedAt ?? now) - run.startedAt;
  const elapsedMs = now - run.startedAt;
  return {
    ...base,
    elapsedMs,
    targetTps: run.status === "running" ? round2(live.currentTarget) : base.targetTps,
    currentTps: tracker.currentTps(now),
    averageTps: round2(tracker.txConfirmed / Math.max(1, sendingMs / 1000)),
    peakTps: tracker.peakTps,
    txSent: tracker.txSent,
    txConfirmed: tracker.txConfirmed,
    txFailed: tracker.txFailed,
    txDiscarded: tracker.txDiscarded,
    txPending: tracker.txPending,
    sendLatency: summarize(tracker.sendLatency),
    preconfLatency: summarize(tracker.feeds.preconfLatency),
    confirmLatency: summarize(tracker.confirmLatency),
    blockCount: tracker.blockCount,
    totalGasUsed: tracker.totalGasUsed.toString(),
    mgasPerSec: round2(Number(tracker.totalGasUsed) / 1e6 / Math.max(1, elapsedMs / 1000)),
    fillRate: tracker.totalGasLimit === 0n ? 0 : round2(Number((tracker.totalGasUsed * 10_000n) / tracker.totalGasLimit) / 100),
    errors: { ...tracker.errors },
    retries: { ...tracker.retries },
    unsentAtEnd: tracker.unsentAtEnd,
    circuitBreaker: { state: live.breaker.state, trips: live.breaker.trips, lastTripAt: live.breaker.lastTripAt },
    rateLimit: rateLimitView(live.rateLimit, now),
    stuck: { rebroadcast: tracker.rebroadcasts, replaced: tracker.replacements },
    housekeeping: { ...tracker.housekeeping },
    regions: regionBreakdown(run, accounts, tracker.regions),
    byType: typeFigures(tracker.byType),
    tipHistogram: tipHistogramOf(run, tracker.tipCounts),
    bursts: (live.bursts ?? []).map((b) => burstView(b, run.regions)),
    adaptive: live.adaptive ? adaptiveView(live.adaptive) : null,
    coordinatorTick: tickView(live.ticks),
    builder: builderView(live.builder, tracker.feeds),
  };
}

function typeFigures(byType: Partial<Record<string, TypeCounts>>): TestMetrics["byType"] {
  const out: TestMetrics["byType"] = {};
  for (const [type, c] of Object.entries(byType)) {
    if (!c) continue;
    const avgGasUsed = c.gasCounted === 0 ? null : Math.round(Number(BigInt(c.gasUsed) / BigInt(c.gasCounted)));
    out[type] = { sent: c.sent, confirmed: c.confirmed, failed: c.failed, reverted: c.reverted, discarded: c.discarded, avgGasUsed };
  }
  return out;
}

function tipHistogramOf(run: RunRecord, counts: number[]): TestMetrics["tipHistogram"] {
  const policy = tipPolicyOf(run.request);
  return policy ? tipHistogram(policy, counts) : null;
}

function regionBreakdown(run: RunRecord, accounts: AccountSlot[], totals: Record<string, RegionTotals>): TestMetrics["regions"] {
  return regionFigures(run.regions, run.request.regionWeights, accounts.map((a) => a.region), totals);
}

/** The columns of `test_runs` that follow the run's progress. */
export function runRowFields(run: RunRecord, m: TestMetrics): Partial<NewRun> {
  return {
    status: m.status,
    startedAt: run.startedAt,
    durationMs: m.elapsedMs,
    targetTps: m.targetTps,
    numAccounts: m.accountsActive,
    txSent: m.txSent,
    txConfirmed: m.txConfirmed,
    txFailed: m.txFailed,
    txDiscarded: m.txDiscarded,
    averageTps: m.averageTps,
    peakTps: m.peakTps,
    sendLatency: m.sendLatency,
    confirmLatency: m.confirmLatency,
    preconfLatency: m.builder ? m.preconfLatency : null,
    builder: m.builder,
    blockCount: m.blockCount,
    totalGasUsed: m.totalGasUsed,
    startBlock: run.startBlock,
    endBlock: run.endBlock,
    errors: m.errors,
    retries: m.retries,
    byType: m.byType,
    tipHistogram: m.tipHistogram,
    bursts: m.bursts.length > 0 ? m.bursts : null,
    circuitBreaker: m.circuitBreaker,
    verification: run.verification,
    errorMessage: run.error,
  };
}

export function timeSeriesRows(run: RunRecord, live: LiveRun, seconds: SecondTotals[], now: number): Array<typeof timeSeries.$inferInsert> {
  return seconds.map((s) => ({
    runId: run.runId,
    second: s.second,
    txSent: s.sent,
    txConfirmed: s.confirmed,
    txFailed: s.failed,
    currentTps: live.tracker.currentTps(now),
    targetTps: rateAt(run.request, s.second, live.adaptive?.rate),
    pending: live.tracker.txPending,
    gasUsed: s.gasUsed.toString(),
    mgasPerSec: round2(Number(s.gasUsed) / 1e6),
    fillRate: s.gasLimit === 0n ? 0 : round2(Number((s.gasUsed * 10_000n) / s.gasLimit) / 100),
    preconfP50Ms: s.preconf.count === 0 ? null : round2(quantile(s.preconf, 0.5)),
    builtBlocks: s.builds?.count ?? null,
    builtTxCount: s.builds?.txCount ?? null,
    buildTimeMs: s.builds && s.builds.timedCount > 0 ? round2(s.builds.buildMsSum / s.builds.timedCount) : null,
  }));
}
