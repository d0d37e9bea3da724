/**
 * The burst pattern in a whole run on anvil: every burst is signed ahead, released by all account
 * objects together at its instant, and mined in the block(s) right after it. The chain is read
 * block by block and checked against the plan, then audited like every run. The same pattern across
 * a coordinator's restart is in test/scenarios/pattern-burst-restart.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { apiJson, auditChain, blockNumber, chainRpc, expectNothingLost, stopLiveRun, waitForRun } from "./helpers";

afterEach(() => stopLiveRun(120_000));

const BURST = 300;
const ACCOUNTS = 10;
const INTERVAL_SEC = 3;

/** Per block after `fromBlock`: its number, timestamp (s) and how many transactions the run's senders have in it. */
async function senderCounts(fromBlock: number, senders: Set<string>): Promise<Array<{ number: number; timestamp: number; count: number }>> {
  const head = await blockNumber();
  const out = [];
  for (let n = fromBlock + 1; n <= head; n++) {
    const block = await chainRpc<{ timestamp: string; transactions: Array<{ from: string }> }>("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
    out.push({ number: n, timestamp: Number(block.timestamp), count: block.transactions.filter((tx) => senders.has(tx.from.toLowerCase())).length });
  }
  return out;
}

describe("burst pattern on anvil", () => {
  it("3 bursts of 300 over 10 accounts, 3 s apart: released together, mined right after each instant", async () => {
    const fromBlock = await blockNumber();
    const started = await apiJson("/v1/start", {
      method: "POST",
      json: { pattern: "burst", durationSec: 9, numAccounts: ACCOUNTS, burstCount: BURST, burstIntervalSec: INTERVAL_SEC },
    });
    expect(started.status).toBe(200);
    const m: TestMetrics = await waitForRun(started.body.runId);
    console.log("bursts", JSON.stringify(m.bursts.map((b) => ({ ...b, lastSendMs: b.lastSendAt! - b.plannedAt }))));

    expect(m).toMatchObject({ status: "completed", pattern: "burst", txFailed: 0, txDiscarded: 0, txSent: 3 * BURST, txConfirmed: 3 * BURST });
    expect(m.bursts).toHaveLength(3);
    for (const [k, b] of m.bursts.entries()) {
      expect(b, `burst ${k}`).toMatchObject({ planned: BURST, sent: BURST, failed: 0, confirmed: BURST, missed: false });
      if (k > 0) expect(b.plannedAt - m.bursts[k - 1].plannedAt).toBe(INTERVAL_SEC * 1000);
      // Every object started within a few ms of the instant, and the whole burst left within its window.
      // Typically 1–7 ms here; the bound leaves room for a loaded machine (all objects share one isolate).
      expect(b.startSkewMs!.max, `burst ${k} skew`).toBeLessThan(100);
      expect(b.startSkewMs!.p50).toBeGreaterThanOrEqual(0);
      expect(b.lastSendAt! - b.plannedAt).toBeLessThan(1_000);
    }

    // On chain: the run's transactions sit in three clusters of at most two consecutive blocks,
    // one per burst, each holding exactly its 300, the first block mined right after the instant.
    const audit = await auditChain(fromBlock);
    const blocks = await senderCounts(fromBlock, new Set(Object.keys(audit.finalNonces)));
    const loaded = blocks.filter((b) => b.count > 0);
    console.log("blocks with load", JSON.stringify(loaded), "instants (s)", m.bursts.map((b) => b.plannedAt / 1000));
    const clusters: Array<typeof loaded> = [];
    for (const block of loaded) {
      const last = clusters.at(-1);
      if (last && block.number === last.at(-1)!.number + 1) last.push(block);
      else clusters.push([block]);
    }
    expect(clusters).toHaveLength(3);
    for (const [k, cluster] of clusters.entries()) {
      expect(cluster.length, `burst ${k} spans`).toBeLessThanOrEqual(2);
      expect(cluster.reduce((sum, b) => sum + b.count, 0), `burst ${k} mined`).toBe(BURST);
      const instantSec = m.bursts[k].plannedAt / 1000;
      // Block timestamps are whole seconds: the first block holding the burst is in its second or the next.
      expect(cluster[0].timestamp).toBeGreaterThanOrEqual(Math.floor(instantSec));
      expect(cluster[0].timestamp).toBeLessThanOrEqual(Math.floor(instantSec) + 2);
      // Nothing of the burst was mined before its instant: the block before the cluster has none.
      const before = blocks.find((b) => b.number === cluster[0].number - 1);
      if (before) expect(before.count).toBe(0);
    }
    await expectNothingLost(m, audit);
    // The bursts are kept with the run in the history, as the final status gives them.
    const history = await apiJson(`/v1/history/${started.body.runId}`);
    expect(history.body.run.bursts).toEqual(m.bursts);

    // The per-second series: the target is the burst in its second, the sends add up.
    const detail = await apiJson(`/v1/history/${m.runId}`);
    const series = detail.body.timeSeries as Array<{ second: number; txSent: number; targetTps: number }>;
    expect(series.reduce((sum, s) => sum + s.txSent, 0)).toBe(m.txSent);
    expect(series.filter((s) => s.targetTps === BURST)).toHaveLength(3);
  });

  it("a single burst without burstIntervalSec, auto-sized accounts: one burst at the start", async () => {
    const fromBlock = await blockNumber();
    const started = await apiJson("/v1/start", { method: "POST", json: { pattern: "burst", durationSec: 3, burstCount: 120, burstWindowMs: 500 } });
    expect(started.status).toBe(200);
    const m = await waitForRun(started.body.runId);
    console.log("single burst", JSON.stringify(m.bursts));
    expect(m).toMatchObject({ status: "completed", txConfirmed: 120 });
    expect(m.accountsActive).toBeGreaterThanOrEqual(10);
    expect(m.bursts).toHaveLength(1);
    expect(m.bursts[0]).toMatchObject({ planned: 120, sent: 120, confirmed: 120 });
    expect(m.bursts[0].lastSendAt! - m.bursts[0].plannedAt).toBeLessThan(500);
    await expectNothingLost(m, await auditChain(fromBlock));
  });
});
