/**
 * GET /v1/metrics through the worker's own entry: the Prometheus text of the latest run, read by
 * the strict parser (test/support/prometheus-parser.ts), with figures equal to the run's
 * TestMetrics from GET /v1/status. Idle first (no run in this file's D1 yet), then a short real run
 * against anvil, watched while it runs and compared once it has ended.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { parsePrometheusText, sampleValue, type ParsedFamily } from "../support/prometheus-parser";
import { api, apiJson, stopLiveRun, waitForRun } from "./helpers";

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

async function scrape(path = "/v1/metrics"): Promise<{ text: string; families: Map<string, ParsedFamily> }> {
  const response = await api(path);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe(CONTENT_TYPE);
  const text = await response.text();
  return { text, families: parsePrometheusText(text) };
}

/** The figures PRODUCT.md §14 names, and the breakdowns, each equal to the same TestMetrics field. */
function expectSameFigures(families: Map<string, ParsedFamily>, m: TestMetrics): void {
  const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);
  expect(value("loadgen_run_info", { run_id: m.runId!, pattern: m.pattern!, transaction_type: m.transactionType! })).toBe(1);
  expect(value("loadgen_run_status", { status: m.status })).toBe(1);
  expect({
    sent: value("loadgen_transactions_total", { status: "sent" }),
    confirmed: value("loadgen_transactions_total", { status: "confirmed" }),
    failed: value("loadgen_transactions_total", { status: "failed" }),
    discarded: value("loadgen_transactions_total", { status: "discarded" }),
    pending: value("loadgen_pending_transactions"),
  }).toEqual({ sent: m.txSent, confirmed: m.txConfirmed, failed: m.txFailed, discarded: m.txDiscarded, pending: m.txPending });
  expect(value("loadgen_tps", { kind: "current" })).toBe(m.currentTps);
  expect(value("loadgen_tps", { kind: "target" })).toBe(m.targetTps);
  expect(value("loadgen_tps", { kind: "average" })).toBe(m.averageTps);
  expect(value("loadgen_tps", { kind: "peak" })).toBe(m.peakTps);
  for (const [name, summary] of [["loadgen_send_latency_seconds", m.sendLatency], ["loadgen_confirm_latency_seconds", m.confirmLatency]] as const) {
    expect(value(name, { quantile: "0.5" })).toBeCloseTo(summary.p50 / 1000, 9);
    expect(value(name, { quantile: "0.9" })).toBeCloseTo(summary.p90 / 1000, 9);
    expect(value(name, { quantile: "0.99" })).toBeCloseTo(summary.p99 / 1000, 9);
    expect(value(`${name}_sum`)).toBeCloseTo(summary.sum / 1000, 9);
    expect(value(`${name}_count`)).toBe(summary.count);
  }
  expect(value("loadgen_circuit_breaker_open")).toBe(m.circuitBreaker.state === "open" ? 1 : 0);
  expect(value("loadgen_circuit_breaker_trips_total")).toBe(m.circuitBreaker.trips);
  expect(value("loadgen_blocks_total")).toBe(m.blockCount);
  expect(value("loadgen_block_gas_used_total")).toBe(Number(m.totalGasUsed));
  expect(value("loadgen_block_fill_ratio")).toBeCloseTo(m.fillRate / 100, 9);
  expect(value("loadgen_accounts_active")).toBe(m.accountsActive);
  const errors = Object.fromEntries((families.get("loadgen_errors_total")?.samples ?? []).map((s) => [s.labels.class, s.value]));
  expect(errors).toEqual(m.errors);
  for (const [region, r] of Object.entries(m.regions)) {
    expect(value("loadgen_region_accounts", { region })).toBe(r.accounts);
    expect(value("loadgen_region_transactions_total", { region, status: "confirmed" })).toBe(r.txConfirmed);
    expect(value("loadgen_region_confirm_latency_seconds_count", { region })).toBe(r.confirmLatency.count);
  }
  for (const [type, t] of Object.entries(m.byType)) {
    expect(value("loadgen_type_transactions_total", { type, status: "sent" })).toBe(t.sent);
    expect(value("loadgen_type_transactions_total", { type, status: "confirmed" })).toBe(t.confirmed);
  }
}

describe("GET /v1/metrics", () => {
  afterEach(() => stopLiveRun());

  it("answers before any run: a valid exposition of zeros, without run_info", async () => {
    expect((await apiJson<TestMetrics>("/v1/status")).body.status).toBe("idle");
    const { families } = await scrape();
    expect(families.has("loadgen_run_info")).toBe(false);
    expect(sampleValue(families, "loadgen_run_status", { status: "idle" })).toBe(1);
    expect(sampleValue(families, "loadgen_transactions_total", { status: "sent" })).toBe(0);
    expect(sampleValue(families, "loadgen_confirm_latency_seconds_count")).toBe(0);
    // Unversioned too, like every route.
    expect((await scrape("/metrics")).families.size).toBe(families.size);
  });

  it("refuses a query parameter with a 400 naming it", async () => {
    const { status, body } = await apiJson("/v1/metrics?format=json");
    expect(status).toBe(400);
    expect(body.details).toEqual([{ field: "format", message: expect.any(String) }]);
  });

  it("follows a short real run and ends with the figures of its TestMetrics", async () => {
    const { body } = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 3, numAccounts: 2, constantRate: 5, regions: ["weur"] } });
    const runId: string = body.runId;
    expect(runId).toBeTruthy();

    await waitForRun(runId, (m) => m.status === "running" && m.txSent > 0);
    const live = (await scrape()).families;
    expect(sampleValue(live, "loadgen_run_info", { run_id: runId, pattern: "constant", transaction_type: "eth-transfer" })).toBe(1);
    expect(sampleValue(live, "loadgen_run_status", { status: "running" }) + sampleValue(live, "loadgen_run_status", { status: "verifying" })).toBe(1);
    expect(sampleValue(live, "loadgen_transactions_total", { status: "sent" })).toBeGreaterThan(0);
    expect(sampleValue(live, "loadgen_tps", { kind: "target" })).toBe(5);

    const m = await waitForRun(runId);
    expect(m.status).toBe("completed");
    const { text, families } = await scrape();
    console.log(`GET /v1/metrics after run ${runId}:\n${text}`);
    expectSameFigures(families, m);
    // The run really sent and settled everything (run-lifecycle.test.ts audits runs against the chain in depth).
    expect(m.txConfirmed).toBeGreaterThan(0);
    expect(m.txSent).toBe(m.txConfirmed + m.txFailed + m.txDiscarded);
    expect(sampleValue(families, "loadgen_confirm_latency_seconds_count")).toBe(m.txConfirmed);
    expect(sampleValue(families, "loadgen_send_latency_seconds_sum")).toBeGreaterThan(0);
    expect(sampleValue(families, "loadgen_confirm_latency_seconds", { quantile: "0.99" })).toBeGreaterThan(0);
    // One registry per run, whichever isolate answers: the unversioned route says the same.
    expect((await scrape("/metrics")).text).toBe(text);
  });
});
