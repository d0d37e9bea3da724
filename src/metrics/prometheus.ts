/**
 * GET /v1/metrics (PRODUCT.md §14): a run's TestMetrics as Prometheus metric families. The figures
 * are the coordinator's aggregates of the whole run, so every isolate answers the same numbers.
 *
 * Counters count from the start of the run on show: when the next run starts they fall back to
 * zero, which Prometheus reads as a counter reset. `loadgen_run_info` says which run they belong to.
 */
import type { LatencySummary } from "./latency-sketch";
import { renderFamilies, summarySamples, type Labels, type MetricFamily, type Sample } from "./prometheus-text";
import { RUN_STATUSES, type TestMetrics } from "./test-metrics";

const TX_STATUSES = ["sent", "confirmed", "failed", "discarded"] as const;

export function renderPrometheus(m: TestMetrics): string {
  return renderFamilies([...runFamilies(m), ...loadFamilies(m), ...chainFamilies(m), ...builderFamilies(m), ...regionFamilies(m), ...typeFamilies(m)]);
}

const gauge = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, type: "gauge", help, samples });
const counter = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, type: "counter", help, samples });
const summary = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, type: "summary", help, samples });
const one = (value: number, labels?: Labels): Sample[] => [{ labels, value }];
const flag = (on: boolean) => (on ? 1 : 0);

/** Samples of a counter per key of `counts` (error classes, say), in a stable order. */
function byLabel(label: string, counts: Record<string, number>): Sample[] {
  return Object.keys(counts)
    .sort()
    .map((key) => ({ labels: { [label]: key }, value: counts[key] }));
}

type Outcomes = Record<(typeof TX_STATUSES)[number], number>;

function outcomeSamples(counts: Outcomes, labels: Labels = {}): Sample[] {
  return TX_STATUSES.map((status) => ({ labels: { ...labels, status }, value: counts[status] }));
}

function latencySamples(latency: LatencySummary, labels?: Labels): Sample[] {
  const quantiles: Array<[number, number]> = [[0.5, latency.p50], [0.75, latency.p75], [0.9, latency.p90], [0.95, latency.p95], [0.99, latency.p99]];
  return summarySamples({ count: latency.count, sum: latency.sum, quantiles }, labels);
}

function runFamilies(m: TestMetrics): MetricFamily[] {
  // A status outside the list (a run row D1 holds in some other state) still shows as itself.
  const statuses: string[] = RUN_STATUSES.includes(m.status) ? [...RUN_STATUSES] : [...RUN_STATUSES, m.status];
  const info = { run_id: m.runId ?? "", pattern: m.pattern ?? "", transaction_type: m.transactionType ?? "" };
  return [
    gauge("loadgen_run_info", "The run these figures belong to (the latest one); absent before the first run.", m.runId === null ? [] : one(1, info)),
    gauge("loadgen_run_status", "1 for the run's current status, 0 for the others (idle: no run yet).", statuses.map((status) => ({ labels: { status }, value: flag(m.status === status) }))),
    gauge("loadgen_run_start_time_seconds", "When the run started sending, in seconds since the Unix epoch.", m.startedAt === null ? [] : one(m.startedAt / 1000)),
    gauge("loadgen_run_elapsed_seconds", "Seconds since the run started sending (frozen once it ended).", one(m.elapsedMs / 1000)),
    gauge("loadgen_accounts_active", "Sender accounts of the run.", one(m.accountsActive)),
  ];
}

function loadFamilies(m: TestMetrics): MetricFamily[] {
  const tx: Outcomes = { sent: m.txSent, confirmed: m.txConfirmed, failed: m.txFailed, discarded: m.txDiscarded };
  return [
    counter("loadgen_transactions_total", "Load transactions of the run by outcome (sent = confirmed + failed + discarded + pending).", outcomeSamples(tx)),
    gauge("loadgen_pending_transactions", "Load transactions sent and not yet confirmed, failed or discarded.", one(m.txPending)),
    gauge("loadgen_tps", "Transactions per second: current (included, rolling 5 s), target (the pattern's rate now), average and peak (included).", [
      { labels: { kind: "current" }, value: m.currentTps },
      { labels: { kind: "target" }, value: m.targetTps },
      { labels: { kind: "average" }, value: m.averageTps },
      { labels: { kind: "peak" }, value: m.peakTps },
    ]),
    summary("loadgen_send_latency_seconds", "Round trip of the eth_sendRawTransaction batch that carried each load transaction.", latencySamples(m.sendLatency)),
    summary("loadgen_confirm_latency_seconds", "From the send to the sight of the block that included it, per confirmed load transaction.", latencySamples(m.confirmLatency)),
    summary("loadgen_preconf_latency_seconds", "From the send to the builder's first preconfirmation (feed or flashblock), per preconfirmed load transaction.", latencySamples(m.preconfLatency)),
    gauge("loadgen_circuit_breaker_open", "1 while the circuit breaker holds the rate down, else 0.", one(flag(m.circuitBreaker.state === "open"))),
    counter("loadgen_circuit_breaker_trips_total", "Times the circuit breaker opened during the run.", one(m.circuitBreaker.trips)),
    gauge("loadgen_rate_limited", "1 while the RPC's 429s hold the rate under a cap, else 0.", one(flag(m.rateLimit.limited))),
    counter("loadgen_errors_total", "Failed sends and transactions by error class.", byLabel("class", m.errors)),
    counter("loadgen_retries_total", "Sends retried with the same bytes after no usable answer, by error class (not failures).", byLabel("class", m.retries)),
    counter("loadgen_stuck_transactions_total", "Stuck transactions re-broadcast unchanged, or replaced with a fee bump.", [
      { labels: { action: "rebroadcast" }, value: m.stuck.rebroadcast },
      { labels: { action: "replace" }, value: m.stuck.replaced },
    ]),
    counter("loadgen_housekeeping_transactions_total", "Gap fills and closing self-transfers (not load), sent and confirmed.", [
      { labels: { status: "sent" }, value: m.housekeeping.sent },
      { labels: { status: "confirmed" }, value: m.housekeeping.confirmed },
    ]),
  ];
}

function chainFamilies(m: TestMetrics): MetricFamily[] {
  return [
    counter("loadgen_blocks_total", "Blocks seen during the run.", one(m.blockCount)),
    counter("loadgen_block_gas_used_total", "Gas used by the blocks seen during the run (every transaction in them, not only the load).", one(Number(m.totalGasUsed))),
    // fillRate is a percentage kept to 0.01: the ratio is exact to four places.
    gauge("loadgen_block_fill_ratio", "Gas used over gas limit of the blocks seen during the run (0 to 1).", one(Math.round(m.fillRate * 100) / 10_000)),
  ];
}

/** The builder feeds' word on the run's transactions; no samples when the run reads no feed. */
function builderFamilies(m: TestMetrics): MetricFamily[] {
  const ours = m.builder?.ours;
  const feeds = m.builder?.feeds;
  return [
    counter(
      "loadgen_builder_events_total",
      "Load transactions the builder revoked, dropped or requeued after accepting them (revocations feed the circuit breaker).",
      ours ? [{ labels: { status: "revoked" }, value: ours.revoked }, { labels: { status: "dropped" }, value: ours.dropped }, { labels: { status: "requeued" }, value: ours.requeued }] : [],
    ),
    counter("loadgen_builder_feed_lost_events_total", "Preconfirmation feed events lost, by gaps in its sequence numbers.", feeds ? one(feeds.preconf.lostEvents) : []),
    counter(
      "loadgen_builder_feed_reconnects_total",
      "Times a builder feed's socket was opened again.",
      feeds ? [{ labels: { feed: "preconf" }, value: feeds.preconf.reconnects }, { labels: { feed: "block-metrics" }, value: feeds.blockMetrics.reconnects }, { labels: { feed: "flashblocks" }, value: feeds.flashblocks.reconnects }] : [],
    ),
    counter("loadgen_flashblock_first_sightings_total", "Load transactions by the flashblock index they were first seen in.", ours ? byLabel("index", ours.byFlashblockIndex) : []),
  ];
}

function regionFamilies(m: TestMetrics): MetricFamily[] {
  const regions = Object.entries(m.regions);
  return [
    gauge("loadgen_region_accounts", "Sender accounts placed in each region (location hint).", regions.map(([region, r]) => ({ labels: { region }, value: r.accounts }))),
    counter(
      "loadgen_region_transactions_total",
      "Load transactions by region of their sender and outcome.",
      regions.flatMap(([region, r]) => outcomeSamples({ sent: r.txSent, confirmed: r.txConfirmed, failed: r.txFailed, discarded: r.txDiscarded }, { region })),
    ),
    summary("loadgen_region_send_latency_seconds", "Send latency by region of the sender.", regions.flatMap(([region, r]) => latencySamples(r.sendLatency, { region }))),
    summary("loadgen_region_confirm_latency_seconds", "Confirm latency by region of the sender.", regions.flatMap(([region, r]) => latencySamples(r.confirmLatency, { region }))),
  ];
}

function typeFamilies(m: TestMetrics): MetricFamily[] {
  const types = Object.entries(m.byType);
  return [
    counter(
      "loadgen_type_transactions_total",
      "Load transactions by transaction type and outcome.",
      types.flatMap(([type, t]) => outcomeSamples(t, { type })),
    ),
    counter("loadgen_type_reverted_transactions_total", "Load transactions mined with a failed execution, by type (also counted as failed).", types.map(([type, t]) => ({ labels: { type }, value: t.reverted }))),
    gauge(
      "loadgen_type_average_gas_used",
      "Mean gas used per mined load transaction of the type, from the receipts read (absent where none are read).",
      types.flatMap(([type, t]) => (t.avgGasUsed === null ? [] : one(t.avgGasUsed, { type }))),
    ),
  ];
}
