/**
 * The adaptive pattern in a whole run on a congested anvil: with blocks that hold 100 transfers
 * (100 tps at 1 s blocks), the controller must find the rate that keeps the node's pool near its
 * target. The test samples the pool itself, straight from anvil, and audits the chain after.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { apiJson, auditChain, blockNumber, chainRpc, expectNothingLost, stopLiveRun, waitForRun } from "../workers/helpers";

afterEach(() => stopLiveRun(120_000));

const TARGET = 200;
const DURATION_SEC = 24;
/** 2.1 M gas: 100 transfers a block. */
const CONGESTED_GAS_LIMIT = "0x200b20";
const DEFAULT_GAS_LIMIT = "0x1c9c380";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe("adaptive pattern on a congested anvil", () => {
  it("settles the node's pending count near its target, and every count equals the chain", async () => {
    await chainRpc("evm_setBlockGasLimit", [CONGESTED_GAS_LIMIT]);
    try {
      const fromBlock = await blockNumber();
      const started = await apiJson("/v1/start", {
        method: "POST",
        json: { pattern: "adaptive", durationSec: DURATION_SEC, numAccounts: 10, adaptiveInitialRate: 50, adaptiveTargetPending: TARGET, adaptiveRateStep: 20 },
      });
      expect(started.status).toBe(200);
      const runId: string = started.body.runId;
      const running = await waitForRun(runId, (m) => m.status === "running");

      // The pool as anvil sees it, and the controller as the run reports it, four times a second.
      const samples: Array<{ t: number; pending: number; rate: number | null; currentTps: number }> = [];
      let m: TestMetrics = running;
      while (m.status === "running") {
        const pool = await chainRpc<{ pending: string; queued: string }>("txpool_status");
        m = (await apiJson<TestMetrics>("/v1/status")).body;
        samples.push({ t: Date.now() - running.startedAt!, pending: Number(pool.pending) + Number(pool.queued), rate: m.adaptive?.rateTps ?? null, currentTps: m.currentTps });
        await new Promise((r) => setTimeout(r, 250));
      }
      m = await waitForRun(runId, undefined, 120_000);
      const late = samples.filter((s) => s.t >= (DURATION_SEC / 2) * 1000 && s.t < DURATION_SEC * 1000);
      const figures = {
        medianPendingLate: median(late.map((s) => s.pending)),
        pendingRangeLate: [Math.min(...late.map((s) => s.pending)), Math.max(...late.map((s) => s.pending))],
        medianRateLate: median(late.map((s) => s.rate ?? 0)),
        rateRangeLate: [Math.min(...late.map((s) => s.rate ?? 0)), Math.max(...late.map((s) => s.rate ?? 0))],
        lateSamples: late.length,
        txConfirmed: m.txConfirmed,
        averageTps: m.averageTps,
        peakTps: m.peakTps,
        stuck: m.stuck,
        stopSequenceMs: m.stopSequenceMs,
      };
      console.log("adaptive", JSON.stringify(figures));
      console.log("adaptive samples (t ms, pool, rate)", late.map((s) => `${s.t}:${s.pending}:${s.rate}`).join(" "));

      expect(m).toMatchObject({ status: "completed", pattern: "adaptive", txFailed: 0 });
      expect(m.adaptive).toMatchObject({ pendingSource: "txpool_status", targetPending: TARGET });
      // The step controller circles its set point on an integrating pool: a generous band around it.
      expect(late.length).toBeGreaterThan(20);
      expect(figures.medianPendingLate).toBeGreaterThanOrEqual(TARGET / 2);
      expect(figures.medianPendingLate).toBeLessThanOrEqual(TARGET * 2);
      // The rate found is about what the node includes (100 tps), far below the 450 tps ceiling.
      expect(figures.medianRateLate).toBeGreaterThan(40);
      expect(figures.medianRateLate).toBeLessThan(250);
      expect(samples.some((s) => s.currentTps > 0)).toBe(true);

      await expectNothingLost(m, await auditChain(fromBlock));

      // The per-second series follows the controller: its target moves, its sends add up.
      const detail = await apiJson(`/v1/history/${runId}`);
      const series = detail.body.timeSeries as Array<{ txSent: number; targetTps: number; currentTps: number }>;
      expect(series.reduce((sum, s) => sum + s.txSent, 0)).toBe(m.txSent);
      expect(new Set(series.map((s) => s.targetTps)).size).toBeGreaterThan(3);
      expect(series.some((s) => s.currentTps > 0)).toBe(true);
    } finally {
      await chainRpc("evm_setBlockGasLimit", [DEFAULT_GAS_LIMIT]);
    }
  });
});

describe("adaptive-realistic on a congested anvil", () => {
  it("adapts the rate of a realistic mix: the controller moves the rate, every type is sent, every count equals the chain", async () => {
    try {
      const started = await apiJson("/v1/start", {
        method: "POST",
        json: {
          pattern: "adaptive-realistic",
          durationSec: 10,
          adaptiveTargetPending: 100,
          adaptiveRateStep: 20,
          realisticConfig: { targetTps: 60, numAccounts: 8, txTypeRatios: { ethTransfer: 70, erc20Transfer: 30 } },
        },
      });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      const runId: string = started.body.runId;
      const rates = new Set<number>();
      // Congested once the contracts are deployed and the senders prepared: the ERC-20's creation
      // alone needs more gas than such a block holds (the start would fail, saying so).
      let m = await waitForRun(runId, (s) => s.status === "running", 60_000);
      await chainRpc("evm_setBlockGasLimit", [CONGESTED_GAS_LIMIT]);
      while (m.status === "running") {
        if (m.adaptive) rates.add(m.adaptive.rateTps);
        await new Promise((r) => setTimeout(r, 250));
        m = (await apiJson<TestMetrics>("/v1/status")).body;
      }
      m = await waitForRun(runId, undefined, 120_000);
      console.log("adaptive-realistic", JSON.stringify({ rates: [...rates], byType: m.byType, sent: m.txSent, confirmed: m.txConfirmed }));
      expect(m).toMatchObject({ status: "completed", pattern: "adaptive-realistic", transactionType: "mixed", txFailed: 0 });
      expect(m.adaptive).toMatchObject({ pendingSource: "txpool_status", targetPending: 100 });
      expect(rates.size).toBeGreaterThan(2);
      expect(m.byType["eth-transfer"].confirmed).toBeGreaterThan(0);
      expect(m.byType["erc20-transfer"].confirmed).toBeGreaterThan(0);
      expect(Math.abs(m.byType["erc20-transfer"].sent - m.txSent * 0.3)).toBeLessThanOrEqual(2);
      await expectNothingLost(m, await auditChain(m.startBlock!));
    } finally {
      await chainRpc("evm_setBlockGasLimit", [DEFAULT_GAS_LIMIT]);
    }
  });
});
