/**
 * Workloads end to end on anvil: a load transaction that reverts is counted failed (never
 * confirmed) and the contract whose code changed is deployed again next time; a realistic run's
 * on-chain mix and tips match its config; a run whose funder cannot pay fails clearly and
 * leaves nothing half-started.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TRANSFER_RECIPIENT } from "../../src/config";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { DEV_FUNDER, apiJson, auditChain, blockNumber, chainRpc, ledgerMismatches, waitForRun } from "./helpers";

/** PUSH1 0 PUSH1 0 REVERT: every call reverts. */
const ALWAYS_REVERTS = "0x60006000fd";

async function start(request: Record<string, unknown>): Promise<string> {
  const { status, body } = await apiJson("/v1/start", { method: "POST", json: request });
  expect(status, JSON.stringify(body)).toBe(200);
  return body.runId;
}

async function expectChainAgrees(m: TestMetrics): Promise<void> {
  const audit = await auditChain(m.startBlock!);
  expect(audit.gaps).toEqual([]);
  expect(audit.poolPending + audit.poolQueued).toBe(0);
  const reverted = Object.values(m.byType).reduce((sum, t) => sum + t.reverted, 0);
  expect(audit.senderTransactions).toBe(m.txConfirmed + m.housekeeping.confirmed + reverted);
  expect(await ledgerMismatches(audit, m)).toEqual([]);
}

describe("workloads: reverts, realistic mixes, a funder that cannot pay", () => {
  it("load that reverts on chain is txFailed with class 'reverted', verified; the changed contract is redeployed next run", async () => {
    const request = { pattern: "constant", durationSec: 4, numAccounts: 4, constantRate: 20, transactionType: "storage-write" };
    const runId = await start(request);
    const running = await waitForRun(runId, (m) => m.status === "running" && m.txConfirmed >= 10);
    const consumer = running.contracts.gasConsumer!;
    // The contract breaks mid-run: every later store() reverts, mined all the same.
    await chainRpc("anvil_setCode", [consumer, ALWAYS_REVERTS]);
    const m = await waitForRun(runId);
    expect(m.status).toBe("completed");
    expect(m.verification).toMatchObject({ verified: true });
    expect(m.errors.reverted).toBeGreaterThan(10);
    expect(m.byType["storage-write"].reverted).toBe(m.errors.reverted);
    expect(m.txFailed).toBe(m.errors.reverted);
    expect(m.txConfirmed + m.txFailed).toBe(m.txSent);
    await expectChainAgrees(m);
    const { body: failed } = await apiJson(`/v1/history/${runId}/transactions?status=failed&limit=1000`);
    expect(failed.transactions.length).toBe(m.txFailed);
    for (const t of failed.transactions.slice(0, 5) as Array<{ hash: string; error: string }>) {
      expect(t.error).toMatch(/^reverted/);
      expect((await chainRpc<{ status: string }>("eth_getTransactionReceipt", [t.hash])).status).toBe("0x0");
    }

    // The recorded code is gone: the next run deploys a new gas consumer and nothing reverts.
    const again = await waitForRun(await start(request));
    expect(again.status).toBe("completed");
    expect(again.contracts.gasConsumer).not.toBe(consumer);
    expect(again).toMatchObject({ txFailed: 0, verification: { verified: true } });
    console.log(`reverted run: sent ${m.txSent}, confirmed ${m.txConfirmed}, reverted ${m.errors.reverted}; redeployed at ${again.contracts.gasConsumer}`);
  });

  it("realistic: the on-chain mix matches txTypeRatios and every tip lies within the configured bounds", async () => {
    const runId = await start({
      pattern: "realistic",
      durationSec: 5,
      realisticConfig: {
        numAccounts: 6,
        targetTps: 40,
        minTipGwei: 1,
        maxTipGwei: 3,
        tipDistribution: "uniform",
        txTypeRatios: { ethTransfer: 50, erc20Transfer: 30, storageWrite: 20 },
      },
    });
    const m = await waitForRun(runId, undefined, 120_000);
    expect(m.status, m.error ?? "").toBe("completed");
    expect(m).toMatchObject({ transactionType: "mixed", accountsActive: 6, txFailed: 0, verification: { verified: true } });
    await expectChainAgrees(m);

    const byTarget: Record<string, number> = {};
    const tips: bigint[] = [];
    const head = await blockNumber();
    for (let n = m.startBlock! + 1; n <= head; n++) {
      const block = await chainRpc<{ transactions: Array<{ from: string; to: string; maxPriorityFeePerGas: string; value: string }> }>("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
      for (const tx of block.transactions) {
        if (tx.from.toLowerCase() === DEV_FUNDER || tx.to.toLowerCase() === tx.from.toLowerCase()) continue;
        byTarget[tx.to.toLowerCase()] = (byTarget[tx.to.toLowerCase()] ?? 0) + 1;
        tips.push(BigInt(tx.maxPriorityFeePerGas));
      }
    }
    const total = m.txConfirmed;
    const onChain = {
      "eth-transfer": byTarget[TRANSFER_RECIPIENT.toLowerCase()] ?? 0,
      "erc20-transfer": byTarget[m.contracts.erc20!.toLowerCase()] ?? 0,
      "storage-write": byTarget[m.contracts.gasConsumer!.toLowerCase()] ?? 0,
    };
    expect(onChain["eth-transfer"] + onChain["erc20-transfer"] + onChain["storage-write"]).toBe(total);
    // Handed out by largest deficit: each type within 2 of its exact share of what was sent.
    expect(Math.abs(onChain["eth-transfer"] - total * 0.5)).toBeLessThanOrEqual(2);
    expect(Math.abs(onChain["erc20-transfer"] - total * 0.3)).toBeLessThanOrEqual(2);
    expect(Math.abs(onChain["storage-write"] - total * 0.2)).toBeLessThanOrEqual(2);
    for (const [type, n] of Object.entries(onChain)) expect(m.byType[type].confirmed).toBe(n);
    for (const tip of tips) {
      expect(tip).toBeGreaterThanOrEqual(1_000_000_000n);
      expect(tip).toBeLessThanOrEqual(3_000_000_000n);
    }
    expect(new Set(tips.map(String)).size).toBeGreaterThan(tips.length / 2);
    const histogram = m.tipHistogram!;
    expect(histogram).toMatchObject({ minGwei: 1, maxGwei: 3, distribution: "uniform" });
    expect(histogram.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(m.txSent);
    expect(histogram.buckets.filter((b) => b.count > 0).length).toBeGreaterThanOrEqual(8);
    console.log(`realistic run: ${total} confirmed, on chain ${JSON.stringify(onChain)}`);
  });

  it("a funder that cannot pay for the contracts' set-up fails the start clearly, sends no load, and frees the lock", async () => {
    const balance = await chainRpc<string>("eth_getBalance", [DEV_FUNDER, "latest"]);
    await chainRpc("anvil_setBalance", [DEV_FUNDER, "0x2386f26fc10000"]); // 0.01 ETH
    try {
      const runId = await start({ pattern: "constant", durationSec: 2, numAccounts: 40, constantRate: 100, transactionType: "erc721-transfer" });
      const m = await waitForRun(runId, undefined, 60_000);
      expect(m.status).toBe("error");
      expect(m.error).toMatch(/funder 0x[0-9a-fA-F]{40} holds \d+ wei; .* needs up to \d+ wei/);
      expect(m.txSent).toBe(0);
      const row = await env.DB.prepare("SELECT active FROM test_runs WHERE id = ?").bind(runId).first<{ active: number | null }>();
      expect(row?.active).toBeNull();
    } finally {
      await chainRpc("anvil_setBalance", [DEV_FUNDER, balance]);
    }
    const next = await waitForRun(await start({ pattern: "constant", durationSec: 1, numAccounts: 2, constantRate: 5 }));
    expect(next.status).toBe("completed");
  });
});

describe("patterns on chain", () => {
  it("ramp: per-block counts on chain follow the planned stairs", async () => {
    const request = { pattern: "ramp", durationSec: 8, numAccounts: 12, rampStart: 20, rampEnd: 80, rampSteps: 4 };
    const m = await waitForRun(await start(request));
    expect(m).toMatchObject({ status: "completed", verification: { verified: true } });
    await expectChainAgrees(m);
    // Planned sends by t seconds after the start: stairs of 2 s at 20, 40, 60 and 80 tps.
    const stairs = [20, 40, 60, 80];
    const planned = (t: number) => {
      let sum = 0;
      for (let s = 0; s < Math.min(8, Math.max(0, t)); s += 0.01) sum += stairs[Math.min(3, Math.floor(s / 2))] * 0.01;
      return sum;
    };
    const head = await blockNumber();
    let mined = 0;
    const rows: string[] = [];
    for (let n = m.startBlock! + 1; n <= head; n++) {
      const block = await chainRpc<{ timestamp: string; transactions: Array<{ from: string; to: string }> }>("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
      const ours = block.transactions.filter((tx) => tx.from.toLowerCase() !== DEV_FUNDER && tx.to.toLowerCase() !== tx.from.toLowerCase()).length;
      if (ours === 0) continue;
      mined += ours;
      const t = Number(block.timestamp) - m.startedAt! / 1000;
      rows.push(`${t.toFixed(1)}s:${ours}`);
      // What was mined by a block is what was sent up to a block (and a tick) before it, give or take one second's worth.
      const rate = stairs[Math.min(3, Math.max(0, Math.floor(t / 2)))];
      expect(mined, `block at ${t.toFixed(2)} s: ${rows.join(" ")}`).toBeLessThanOrEqual(planned(t + 1) + rate * 0.5 + 5);
      expect(mined, `block at ${t.toFixed(2)} s: ${rows.join(" ")}`).toBeGreaterThanOrEqual(planned(t - 2) - rate * 0.5 - 5);
    }
    expect(mined).toBe(m.txConfirmed);
    expect(Math.abs(m.txConfirmed - planned(8))).toBeLessThanOrEqual(20);
    console.log(`ramp on chain: ${rows.join(" ")} (planned ${Math.round(planned(8))})`);
  });
});
