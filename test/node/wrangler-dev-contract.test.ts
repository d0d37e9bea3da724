/**
 * The walking skeleton's contract, exactly as a user meets it: migrations applied with wrangler,
 * `wrangler dev --var …` pointed at a plain anvil with 1 s blocks, one constant run over HTTP;
 * then what a Prometheus server would scrape of it from GET /v1/metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPrometheus } from "../../src/metrics/prometheus";
import { idleMetrics, type TestMetrics } from "../../src/metrics/test-metrics";
import { followRun, getJson, startRun } from "../../scripts/lib/client";
import { jsonRpc } from "../../scripts/lib/json-rpc";
import { startLocalStack, type LocalStack } from "../../scripts/lib/local-stack";
import { auditChain } from "../support/chain-audit";
import { parsePrometheusText, sampleValue } from "../support/prometheus-parser";
import { hasPromtool, promtoolCheckMetrics } from "../support/promtool";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ blockTimeSec: 1 });
});

afterAll(async () => {
  await stack?.stop();
});

describe("wrangler dev against anvil", () => {
  it("completes 100 tps for 15 s over 20 accounts with every count matching the chain", async () => {
    const fromBlock = Number(await jsonRpc<string>(stack.rpcUrl, "eth_blockNumber"));
    const runId = await startRun(stack.apiUrl, {
      pattern: "constant",
      durationSec: 15,
      numAccounts: 20,
      transactionType: "eth-transfer",
      constantRate: 100,
    });
    const m = await followRun(stack.apiUrl, runId, () => {}, 500, 120_000);
    expect(m.status).toBe("completed");
    expect(m.txConfirmed).toBeGreaterThanOrEqual(1350);
    expect(m.txConfirmed).toBeLessThanOrEqual(1650);
    expect(m.txSent).toBe(m.txConfirmed + m.txFailed + m.txDiscarded);

    const audit = await auditChain(stack.rpcUrl, fromBlock);
    expect(audit.gaps).toEqual([]);
    expect(audit.senders).toBe(20);
    expect(audit.loadTransactions).toBe(m.txConfirmed);
    expect(audit.poolPending + audit.poolQueued).toBe(0);

    const history = await getJson<{ runs: Array<{ id: string; status: string }>; total: number }>(`${stack.apiUrl}/v1/history`);
    expect(history.runs.find((r) => r.id === runId)?.status).toBe("completed");
  });

  it("serves the finished run on GET /v1/metrics: the strict parser reads it, with the run's counts", async () => {
    // The run of the test above.
    const m = await getJson<TestMetrics>(`${stack.apiUrl}/v1/status`);
    expect(m.status).toBe("completed");
    const response = await fetch(`${stack.apiUrl}/v1/metrics`);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const families = parsePrometheusText(await response.text());
    expect(sampleValue(families, "loadgen_run_info", { run_id: m.runId!, pattern: "constant", transaction_type: "eth-transfer" })).toBe(1);
    expect(sampleValue(families, "loadgen_transactions_total", { status: "confirmed" })).toBe(m.txConfirmed);
    expect(sampleValue(families, "loadgen_confirm_latency_seconds_count")).toBe(m.confirmLatency.count);
  });

  it.skipIf(!hasPromtool)(`promtool check metrics accepts GET /v1/metrics after a run, and before any${hasPromtool ? "" : " (skipped: promtool is not on PATH)"}`, async () => {
    for (const text of [await (await fetch(`${stack.apiUrl}/v1/metrics`)).text(), renderPrometheus(idleMetrics())]) {
      expect(text).toContain("loadgen_confirm_latency_seconds_count");
      expect(promtoolCheckMetrics(text)).toEqual({ exitCode: 0, output: "" });
    }
  });
});
