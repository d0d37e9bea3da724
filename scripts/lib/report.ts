/** Console rendering of a run: one progress line per poll, one summary table at the end. */
import type { TestMetrics } from "../../src/metrics/test-metrics";

export function progressLine(m: TestMetrics): string {
  if (m.status === "initializing") return `[init] ${m.initPhase ?? "starting"}`;
  const t = (m.elapsedMs / 1000).toFixed(0).padStart(4);
  return `[${m.status.padEnd(9)}] t=${t}s sent=${m.txSent} confirmed=${m.txConfirmed} failed=${m.txFailed} pending=${m.txPending} tps=${m.currentTps.toFixed(1)} (target ${m.targetTps})`;
}

export function summaryTable(m: TestMetrics): string {
  const v = (m.verification ?? {}) as { verified?: boolean; includedOnChain?: number; poolLeftovers?: number; accountsWithGaps?: number; problems?: string[] };
  const lat = (l: TestMetrics["sendLatency"]) => `p50 ${l.p50} · p90 ${l.p90} · p99 ${l.p99} · max ${l.max} ms`;
  const rows: Array<[string, string]> = [
    ["run", `${m.runId} (${m.pattern}, ${m.transactionType})`],
    ["status", m.status + (m.error ? ` — ${m.error}` : "")],
    ["accounts", String(m.accountsActive)],
    ["elapsed", `${(m.elapsedMs / 1000).toFixed(1)} s (sending, grace and verification)`],
    ["sent / confirmed", `${m.txSent} / ${m.txConfirmed}`],
    ["failed / discarded", `${m.txFailed} / ${m.txDiscarded}`],
    ["target tps", String(m.targetTps)],
    ["average / peak tps", `${m.averageTps} / ${m.peakTps}`],
    ["send latency", lat(m.sendLatency)],
    // Only for a run that read builder feeds: without them there is no preconfirmation to report.
    ...(m.builder ? [["preconf latency", lat(m.preconfLatency)] as [string, string], ["builder", builderLine(m.builder)] as [string, string]] : []),
    ["confirm latency", lat(m.confirmLatency)],
    ["blocks / gas", `${m.blockCount} blocks, ${m.totalGasUsed} gas, ${m.mgasPerSec} MGas/s, fill ${m.fillRate} %`],
    ...Object.entries(m.byType ?? {}).map(([type, t]): [string, string] => [
      `  ${type}`,
      `${t.sent} sent · ${t.confirmed} confirmed · ${t.failed} failed (${t.reverted} reverted)${t.avgGasUsed === null ? "" : ` · ${t.avgGasUsed} gas each`}`,
    ]),
    ...(m.tipHistogram ? [["tips (gwei)", m.tipHistogram.buckets.map((b) => `${b.fromGwei.toFixed(2)}–${b.toGwei.toFixed(2)}: ${b.count}`).join(", ")] as [string, string]] : []),
    ["errors", Object.keys(m.errors).length ? JSON.stringify(m.errors) : "none"],
    ["retries", Object.keys(m.retries).length ? JSON.stringify(m.retries) : "none"],
    ["breaker / stuck", `${m.circuitBreaker.trips} trips · ${m.stuck.rebroadcast} re-broadcast · ${m.stuck.replaced} replaced`],
    ["housekeeping", `${m.housekeeping.sent} sent / ${m.housekeeping.confirmed} confirmed (gap fills and closing self-transfers, not load)`],
    ["stop sequence", m.stopSequenceMs === null ? "?" : `${(m.stopSequenceMs / 1000).toFixed(1)} s from the end of sending to the verification`],
    ["on chain", `${v.includedOnChain ?? "?"} transactions of the senders in blocks ${m.startBlock ?? "?"}–${m.endBlock ?? "?"}`],
    ["nonces / pool", `${v.accountsWithGaps ?? "?"} accounts off their ledger or with leftovers, ${v.poolLeftovers ?? "?"} left in pool`],
    ["verified", v.verified ? "yes" : `NO ${(v.problems ?? []).join("; ")}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const line = "─".repeat(width + 2) + "┼" + "─".repeat(60);
  return [line, ...rows.map(([k, val]) => ` ${k.padEnd(width)} │ ${val}`), line].join("\n");
}

/** The builder feeds' figures on one line: what the builder did with the run's transactions, and how its feeds held up. */
function builderLine(b: NonNullable<TestMetrics["builder"]>): string {
  const f = b.feeds;
  return `${b.ours.revoked} revoked · ${b.ours.dropped} dropped · ${b.ours.requeued} requeued · ${f.blockMetrics.blocks} blocks built (p50 ${f.blockMetrics.buildTimeMs.p50} ms) · ${f.preconf.lostEvents} feed events lost · ${f.preconf.reconnects + f.blockMetrics.reconnects + f.flashblocks.reconnects} reconnects`;
}

export const runVerified = (m: TestMetrics) => m.status === "completed" && (m.verification as { verified?: boolean } | null)?.verified === true;
