/**
 * renderPrometheus (src/metrics/prometheus.ts) as a pure function from TestMetrics to the text
 * format 0.0.4, read back by the strict parser of test/support/prometheus-parser.ts; and that
 * parser refusing what the format does not allow (so its acceptance means something).
 */
import { describe, expect, it } from "vitest";
import type { LatencySummary } from "../../src/metrics/latency-sketch";
import { renderPrometheus } from "../../src/metrics/prometheus";
import { formatValue } from "../../src/metrics/prometheus-text";
import { RUN_STATUSES, idleMetrics, type TestMetrics } from "../../src/metrics/test-metrics";
import { parsePrometheusText, sampleValue } from "../support/prometheus-parser";

const latency = (count: number, sumMs: number, p: [number, number, number, number, number]): LatencySummary => ({
  count,
  sum: sumMs,
  min: p[0] / 2,
  max: p[4] * 2,
  avg: count === 0 ? 0 : sumMs / count,
  p50: p[0],
  p75: p[1],
  p90: p[2],
  p95: p[3],
  p99: p[4],
});

/** An error class with every character the format escapes: it must come back unchanged. */
const AWKWARD = 'rpc "5xx" \\ at\nnight';

/** A finished run with a bit of everything TestMetrics carries. */
function finishedRun(): TestMetrics {
  return {
    ...idleMetrics(),
    runId: "6c0e5d8e-0000-4000-8000-000000000001",
    status: "completed",
    pattern: "realistic",
    transactionType: "mixed",
    startedAt: 1_767_000_000_000,
    elapsedMs: 12_500,
    targetTps: 40,
    currentTps: 38.4,
    averageTps: 39.2,
    peakTps: 44,
    txSent: 500,
    txConfirmed: 480,
    txFailed: 12,
    txDiscarded: 8,
    txPending: 0,
    sendLatency: latency(500, 6_250.5, [10, 12.5, 20, 25, 40.05]),
    confirmLatency: latency(480, 720_000, [1_200, 1_400, 1_800, 2_000, 2_900.25]),
    blockCount: 13,
    totalGasUsed: "123456789012",
    fillRate: 53.27,
    errors: { underpriced: 4, [AWKWARD]: 8 },
    retries: { timeout: 3 },
    circuitBreaker: { state: "open", trips: 2, lastTripAt: 1_767_000_005_000 },
    rateLimit: { limited: true, currentCapTps: 20 },
    stuck: { rebroadcast: 5, replaced: 1 },
    housekeeping: { sent: 3, confirmed: 3 },
    accountsActive: 6,
    regions: {
      weur: { weight: 2, accounts: 4, txSent: 330, txConfirmed: 320, txFailed: 6, txDiscarded: 4, sendLatency: latency(330, 4_000, [10, 12, 19, 24, 39]), confirmLatency: latency(320, 480_000, [1_100, 1_300, 1_700, 1_900, 2_800]) },
      enam: { weight: 1, accounts: 2, txSent: 170, txConfirmed: 160, txFailed: 6, txDiscarded: 4, sendLatency: latency(170, 2_250.5, [11, 13, 21, 26, 41]), confirmLatency: latency(160, 240_000, [1_300, 1_500, 1_900, 2_100, 3_000]) },
    },
    byType: {
      "eth-transfer": { sent: 300, confirmed: 295, failed: 0, reverted: 0, discarded: 5, avgGasUsed: null },
      "uniswap-swap": { sent: 200, confirmed: 185, failed: 12, reverted: 9, discarded: 3, avgGasUsed: 104_700 },
    },
  };
}

describe("renderPrometheus", () => {
  it("an idle worker (no run yet): zeros, empty summaries as NaN quantiles, no run_info, status idle", () => {
    const text = renderPrometheus(idleMetrics());
    const families = parsePrometheusText(text);
    expect(families.has("loadgen_run_info")).toBe(false);
    for (const status of ["sent", "confirmed", "failed", "discarded"]) expect(sampleValue(families, "loadgen_transactions_total", { status })).toBe(0);
    expect(sampleValue(families, "loadgen_tps", { kind: "current" })).toBe(0);
    expect(sampleValue(families, "loadgen_tps", { kind: "target" })).toBe(0);
    expect(sampleValue(families, "loadgen_pending_transactions")).toBe(0);
    expect(sampleValue(families, "loadgen_circuit_breaker_open")).toBe(0);
    for (const name of ["loadgen_send_latency_seconds", "loadgen_confirm_latency_seconds"]) {
      expect(families.get(name)!.type).toBe("summary");
      for (const quantile of ["0.5", "0.9", "0.99"]) expect(sampleValue(families, name, { quantile })).toBeNaN();
      expect(sampleValue(families, `${name}_sum`)).toBe(0);
      expect(sampleValue(families, `${name}_count`)).toBe(0);
    }
    for (const status of RUN_STATUSES) expect(sampleValue(families, "loadgen_run_status", { status })).toBe(status === "idle" ? 1 : 0);
    // Nothing counted per class, region or type yet: those families are left out, not declared empty.
    for (const name of ["loadgen_errors_total", "loadgen_region_accounts", "loadgen_type_transactions_total"]) expect(families.has(name)).toBe(false);
  });

  it("a finished run: every figure of TestMetrics it shows is there, latencies in seconds", () => {
    const m = finishedRun();
    const families = parsePrometheusText(renderPrometheus(m));
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);

    expect(value("loadgen_run_info", { run_id: m.runId!, pattern: "realistic", transaction_type: "mixed" })).toBe(1);
    expect(families.get("loadgen_run_info")!.samples).toHaveLength(1);
    expect(value("loadgen_run_status", { status: "completed" })).toBe(1);
    expect(value("loadgen_run_status", { status: "running" })).toBe(0);
    expect(value("loadgen_run_start_time_seconds")).toBe(1_767_000_000);
    expect(value("loadgen_run_elapsed_seconds")).toBe(12.5);
    expect(value("loadgen_accounts_active")).toBe(6);

    expect(families.get("loadgen_transactions_total")!.type).toBe("counter");
    expect(families.get("loadgen_transactions_total")!.samples.map((s) => [s.labels.status, s.value])).toEqual([["sent", 500], ["confirmed", 480], ["failed", 12], ["discarded", 8]]);
    expect(families.get("loadgen_tps")!.samples.map((s) => [s.labels.kind, s.value])).toEqual([["current", 38.4], ["target", 40], ["average", 39.2], ["peak", 44]]);
    expect(value("loadgen_pending_transactions")).toBe(0);

    const confirm = families.get("loadgen_confirm_latency_seconds")!;
    expect(confirm.samples.map((s) => [s.name, s.labels.quantile ?? null, s.value])).toEqual([
      ["loadgen_confirm_latency_seconds", "0.5", 1.2],
      ["loadgen_confirm_latency_seconds", "0.75", 1.4],
      ["loadgen_confirm_latency_seconds", "0.9", 1.8],
      ["loadgen_confirm_latency_seconds", "0.95", 2],
      ["loadgen_confirm_latency_seconds", "0.99", 2.90025],
      ["loadgen_confirm_latency_seconds_sum", null, 720],
      ["loadgen_confirm_latency_seconds_count", null, 480],
    ]);
    // Written as the decimal it is (40.05 / 1000 would print 0.040049999999999995).
    expect(value("loadgen_send_latency_seconds", { quantile: "0.99" })).toBe(0.04005);
    expect(value("loadgen_send_latency_seconds_sum")).toBe(6.2505);
    expect(value("loadgen_send_latency_seconds_count")).toBe(500);

    expect(value("loadgen_circuit_breaker_open")).toBe(1);
    expect(value("loadgen_circuit_breaker_trips_total")).toBe(2);
    expect(value("loadgen_rate_limited")).toBe(1);
    expect(value("loadgen_blocks_total")).toBe(13);
    expect(value("loadgen_block_gas_used_total")).toBe(123_456_789_012);
    expect(value("loadgen_block_fill_ratio")).toBe(0.5327);
    expect(value("loadgen_errors_total", { class: "underpriced" })).toBe(4);
    expect(value("loadgen_errors_total", { class: AWKWARD })).toBe(8);
    expect(value("loadgen_retries_total", { class: "timeout" })).toBe(3);
    expect(value("loadgen_stuck_transactions_total", { action: "rebroadcast" })).toBe(5);
    expect(value("loadgen_stuck_transactions_total", { action: "replace" })).toBe(1);
    expect(value("loadgen_housekeeping_transactions_total", { status: "confirmed" })).toBe(3);

    expect(value("loadgen_region_accounts", { region: "weur" })).toBe(4);
    expect(value("loadgen_region_transactions_total", { region: "enam", status: "failed" })).toBe(6);
    expect(value("loadgen_region_confirm_latency_seconds", { region: "weur", quantile: "0.5" })).toBe(1.1);
    expect(value("loadgen_region_send_latency_seconds_count", { region: "enam" })).toBe(170);
    expect(value("loadgen_type_transactions_total", { type: "uniswap-swap", status: "confirmed" })).toBe(185);
    expect(value("loadgen_type_reverted_transactions_total", { type: "uniswap-swap" })).toBe(9);
    expect(value("loadgen_type_average_gas_used", { type: "uniswap-swap" })).toBe(104_700);
    // No receipts read for plain transfers: no figure rather than a zero.
    expect(() => value("loadgen_type_average_gas_used", { type: "eth-transfer" })).toThrow(/no sample/);

    // Counts add up per region and per type as they do in TestMetrics.
    const confirmedBy = (name: string) => families.get(name)!.samples.filter((s) => s.labels.status === "confirmed").reduce((sum, s) => sum + s.value, 0);
    expect(confirmedBy("loadgen_region_transactions_total")).toBe(m.txConfirmed);
    expect(confirmedBy("loadgen_type_transactions_total")).toBe(m.txConfirmed);
  });

  it("writes HELP and TYPE lines, escapes label values, and writes the spec's families exactly so", () => {
    const text = renderPrometheus(finishedRun());
    expect(text).toContain(
      [
        "# HELP loadgen_transactions_total Load transactions of the run by outcome (sent = confirmed + failed + discarded + pending).",
        "# TYPE loadgen_transactions_total counter",
        'loadgen_transactions_total{status="sent"} 500',
        'loadgen_transactions_total{status="confirmed"} 480',
        'loadgen_transactions_total{status="failed"} 12',
        'loadgen_transactions_total{status="discarded"} 8',
        "# HELP loadgen_pending_transactions",
      ].join("\n"),
    );
    expect(text).toContain('loadgen_errors_total{class="rpc \\"5xx\\" \\\\ at\\nnight"} 8\n');
    expect(text).toContain("# TYPE loadgen_confirm_latency_seconds summary\nloadgen_confirm_latency_seconds{quantile=\"0.5\"} 1.2\n");
    expect(text).toContain('loadgen_send_latency_seconds{quantile="0.99"} 0.04005\n');
    expect(text).toContain("loadgen_block_fill_ratio 0.5327\n");
    expect(text).toContain('loadgen_run_info{run_id="6c0e5d8e-0000-4000-8000-000000000001",pattern="realistic",transaction_type="mixed"} 1\n');
    expect(text.split("\n").filter((l) => l.startsWith("# TYPE")).length).toBe(parsePrometheusText(text).size);
  });

  it("a summary stored before sums were kept has no _sum line rather than a made-up one", () => {
    const m = finishedRun();
    const { sum: _sum, ...withoutSum } = m.confirmLatency;
    const text = renderPrometheus({ ...m, confirmLatency: withoutSum as LatencySummary });
    expect(text).not.toContain("loadgen_confirm_latency_seconds_sum");
    expect(text).toContain("loadgen_confirm_latency_seconds_count 480\n");
    expect(text).toContain("loadgen_send_latency_seconds_sum 6.2505\n");
  });

  it("shows a run status outside the known list (a D1 row in another state) as itself", () => {
    const families = parsePrometheusText(renderPrometheus({ ...idleMetrics(), runId: "x", status: "recycling" as TestMetrics["status"] }));
    expect(sampleValue(families, "loadgen_run_status", { status: "recycling" })).toBe(1);
    expect(sampleValue(families, "loadgen_run_status", { status: "idle" })).toBe(0);
  });

  it("spells the infinities as the format does", () => {
    expect([Infinity, -Infinity, NaN, 1e21, 0.5, -0].map(formatValue)).toEqual(["+Inf", "-Inf", "NaN", "1e+21", "0.5", "0"]);
  });
});

describe("the strict parser refuses what the format does not allow", () => {
  const HEAD = "# HELP a_total A.\n# TYPE a_total counter\n";
  const SUMMARY = "# HELP s S.\n# TYPE s summary\n";
  const cases: Array<[string, string, RegExp]> = [
    ["no final line feed", `${HEAD}a_total 1`, /line feed/],
    ["a blank line", `${HEAD}\na_total 1\n`, /blank line/],
    ["a sample before TYPE", "a_total 1\n", /not a sample of the family/],
    ["a sample with HELP only", "# HELP a_total A.\na_total 1\n", /both HELP and TYPE/],
    ["TYPE twice", "# HELP a_total A.\n# TYPE a_total counter\n# TYPE a_total counter\n", /declared again|second TYPE/],
    ["a family declared twice", `${HEAD}a_total 1\n${HEAD}`, /declared again/],
    ["a family's samples in two groups", `${HEAD}a_total{x="1"} 1\n# HELP b B.\n# TYPE b gauge\nb 1\na_total{x="2"} 1\n`, /not a sample of the family/],
    ["a duplicate series", `${HEAD}a_total{x="1",y="2"} 1\na_total{y="2",x="1"} 2\n`, /duplicate series/],
    ["a bad float", `${HEAD}a_total 1,5\n`, /not a float/],
    ["a negative counter", `${HEAD}a_total -1\n`, /below zero/],
    ["an unknown type", "# HELP a A.\n# TYPE a meter\n", /unknown type/],
    ["an unquoted label value", `${HEAD}a_total{x=1} 1\n`, /quoted value/],
    ["an unknown escape", `${HEAD}a_total{x="\\t"} 1\n`, /bad escape/],
    ["an unclosed label value", `${HEAD}a_total{x="1} 1\n`, /not closed/],
    ["a trailing comma", `${HEAD}a_total{x="1",} 1\n`, /trailing comma/],
    ["a label twice", `${HEAD}a_total{x="1",x="2"} 1\n`, /twice/],
    ["a reserved label name", `${HEAD}a_total{__x="1"} 1\n`, /bad label name/],
    ["two spaces before the value", `${HEAD}a_total  1\n`, /one space/],
    ["quantiles out of order", `${SUMMARY}s{quantile="0.9"} 1\ns{quantile="0.5"} 1\ns_sum 2\ns_count 2\n`, /ascending/],
    ["a quantile out of [0, 1]", `${SUMMARY}s{quantile="1.5"} 1\ns_sum 2\ns_count 2\n`, /not in \[0, 1\]/],
    ["a summary without _count", `${SUMMARY}s{quantile="0.5"} 1\ns_sum 2\n`, /_sum then _count/],
    ["a summary without _sum", `${SUMMARY}s{quantile="0.5"} 1\ns_count 2\n`, /_sum then _count/],
    ["a summary's plain sample without quantile", `${SUMMARY}s 1\ns_sum 2\ns_count 2\n`, /not a sample of the family/],
    ["a fractional _count", `${SUMMARY}s_sum 2\ns_count 2.5\n`, /whole number/],
  ];
  for (const [name, text, error] of cases) {
    it(name, () => {
      expect(() => parsePrometheusText(text)).toThrow(error);
    });
  }

  it("and accepts the same texts written right", () => {
    const families = parsePrometheusText(`${HEAD}a_total{x="1",y="a\\"b\\\\c\\nd"} 1\n# comment\n${SUMMARY}s{quantile="0.5"} NaN\ns{quantile="0.9"} +Inf\ns_sum 2e3\ns_count 2\n`);
    expect(sampleValue(families, "a_total", { x: "1", y: 'a"b\\c\nd' })).toBe(1);
    expect(sampleValue(families, "s", { quantile: "0.9" })).toBe(Infinity);
    expect(sampleValue(families, "s_sum")).toBe(2000);
  });
});
