/**
 * Whole runs through the HTTP API against the real anvil, each ending with the test's own audit
 * of the chain: contiguous nonces per sender, an empty pool, and counts equal to what was mined.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { DEV_FUNDER, apiJson, auditChain, blockNumber, chainRpc, expectNothingLost, stopLiveRun, waitForRun } from "./helpers";

describe("a constant-rate run end to end", () => {
  afterEach(() => stopLiveRun());

  it("runs, refuses a second start, completes, verifies and lands in history", async () => {
    const fromBlock = await blockNumber();
    const started = await apiJson("/v1/start", {
      method: "POST",
      json: { pattern: "constant", durationSec: 6, numAccounts: 8, transactionType: "eth-transfer", constantRate: 40, name: "e2e" },
    });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: "started" });
    const runId: string = started.body.runId;

    const second = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 5, constantRate: 1 } });
    expect(second.status).toBe(409);
    expect(second.body.details).toEqual({ runId });

    const running = await waitForRun(runId, (m) => m.status === "running" && m.txSent > 0);
    expect(running.accountsActive).toBe(8);
    expect(running.targetTps).toBe(40);

    const m = await waitForRun(runId);
    expect(m.status).toBe("completed");
    expect(m.txConfirmed).toBeGreaterThanOrEqual(216); // 40 tps × 6 s, within 10 %
    expect(m.txConfirmed).toBeLessThanOrEqual(264);
    expect(m.txFailed).toBe(0);
    expect(m.confirmLatency.count).toBe(m.txConfirmed);
    expect(m.sendLatency.count).toBe(m.txSent);
    expect(m.blockCount).toBeGreaterThanOrEqual(6);
    expect(Object.keys(m.initPhasesMs)).toEqual(["deriving_accounts", "deploying_contracts", "funding_accounts", "preparing_accounts", "initializing_nonces"]);
    for (const ms of Object.values(m.initPhasesMs)) expect(ms).toBeGreaterThanOrEqual(0);
    // The coordinator ticks every 200 ms while it keeps up.
    expect(m.coordinatorTick!.durationMs.count).toBeGreaterThan(20);
    expect(m.coordinatorTick!.intervalMs.p50).toBeGreaterThanOrEqual(190);
    expect(BigInt(m.totalGasUsed)).toBeGreaterThanOrEqual(21_000n * BigInt(m.txConfirmed));
    await expectNothingLost(m, await auditChain(fromBlock));

    const history = await apiJson(`/v1/history?limit=100`);
    const row = history.body.runs.find((r: { id: string }) => r.id === runId);
    expect(row).toMatchObject({ status: "completed", name: "e2e", txConfirmed: m.txConfirmed, txSent: m.txSent });
    expect(row.verification.verified).toBe(true);

    // anvil has no builder feeds: the run reads none, says why, and reports no preconfirmations.
    expect(m.builder).toBeNull();
    expect(m.preconfLatency.count).toBe(0);
    const detail = await apiJson(`/history/${runId}`);
    expect(detail.body.run.environment.sources).toMatchObject({
      preconfirmations: { source: "none", reason: "layer anvil has no preconfirmation feed" },
      flashblocks: { source: "none" },
      inclusion: { source: "polling" },
    });
    expect(detail.body.run.environment.builderStatus).toBeNull();
    expect(detail.body.run.preconfLatency).toBeNull();
    expect(detail.body.timeSeries.every((s: { preconfP50Ms: number | null }) => s.preconfP50Ms === null)).toBe(true);
    expect(detail.body.timeSeries.length).toBeGreaterThanOrEqual(6);
    const perSecond = detail.body.timeSeries.reduce((sum: number, s: { txSent: number }) => sum + s.txSent, 0);
    expect(perSecond).toBe(m.txSent);

    const txs = await apiJson(`/v1/history/${runId}/transactions?limit=1000`);
    expect(txs.body.total).toBe(m.txSent);
    expect(txs.body.transactions.filter((t: { status: string }) => t.status === "confirmed")).toHaveLength(m.txConfirmed);
  });

  it("stops early on /stop, still verifies, and reuses the funded accounts", async () => {
    const fromBlock = await blockNumber();
    const funderNonceBefore = Number(await chainRpc<string>("eth_getTransactionCount", [DEV_FUNDER, "latest"]));
    const { body } = await apiJson("/start", { method: "POST", json: { pattern: "constant", durationSec: 20, numAccounts: 8, constantRate: 10 } });
    const runId: string = body.runId;
    await waitForRun(runId, (m) => m.txConfirmed > 0);
    // The first test left each sender funded for far more than 25 transfers: no top-up is sent.
    expect(Number(await chainRpc<string>("eth_getTransactionCount", [DEV_FUNDER, "latest"]))).toBe(funderNonceBefore);

    const stop = await apiJson("/v1/stop", { method: "POST" });
    expect(stop.body).toEqual({ status: "stopping", runId });
    const m = await waitForRun(runId);
    expect(m.status).toBe("stopped");
    expect(m.elapsedMs).toBeLessThan(20_000);
    await expectNothingLost(m, await auditChain(fromBlock));
    expect((await apiJson("/v1/stop", { method: "POST" })).status).toBe(409);
  });

  it("spreads senders over location hints, funds the new ones, and follows a ramp", async () => {
    const fromBlock = await blockNumber();
    const { body } = await apiJson("/v1/start", {
      method: "POST",
      json: { pattern: "ramp", durationSec: 4, numAccounts: 12, rampStart: 10, rampEnd: 50, regions: ["weur", "enam"] },
    });
    const m = await waitForRun(body.runId);
    expect(m.status).toBe("completed");
    expect(Object.keys(m.regions)).toEqual(["weur", "enam"]);
    expect(m.regions).toMatchObject({ weur: { accounts: 6, weight: 1 }, enam: { accounts: 6, weight: 1 } });
    expect(m.regions.weur.txConfirmed + m.regions.enam.txConfirmed).toBe(m.txConfirmed);
    expect(m.txConfirmed).toBeGreaterThan(100); // mean 30 tps × 4 s = 120
    await expectNothingLost(m, await auditChain(fromBlock));
  });
});

describe("reset", () => {
  it("ends a live run unverified, releases the lock, and leaves the chain clean for the next run", async () => {
    const { body } = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 60, numAccounts: 4, constantRate: 10 } });
    await waitForRun(body.runId, (m) => m.txSent > 0);
    const reset = await apiJson("/v1/reset", { method: "POST" });
    expect(reset.body).toEqual({ status: "reset", runId: body.runId });
    const m = await waitForRun(body.runId);
    expect(m.status).toBe("error");
    expect(m.error).toMatch(/reset by request/);
    expect((await apiJson("/v1/reset", { method: "POST" })).status).toBe(409);

    // The next run starts (no 409), resyncs the same senders from the node, and verifies.
    const fromBlock = await blockNumber();
    const next = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 3, numAccounts: 4, constantRate: 10 } });
    expect(next.status).toBe(200);
    const after = await waitForRun(next.body.runId);
    expect(after.status).toBe("completed");
    expect(after.verification).toMatchObject({ verified: true });
    expect((await auditChain(fromBlock)).gaps).toEqual([]);
  });

  it("releases a lock whose coordinator has no record of the run", async () => {
    const id = crypto.randomUUID();
    await env.DB.prepare(
      "INSERT INTO test_runs (id, status, pattern, transaction_type, config, created_at, active) VALUES (?, 'running', 'constant', 'eth-transfer', '{}', ?, 1)",
    ).bind(id, Date.now()).run();
    expect((await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 1, constantRate: 1 } })).status).toBe(409);
    expect((await apiJson("/v1/reset", { method: "POST" })).body).toEqual({ status: "reset", runId: id });
    const { body } = await apiJson(`/v1/history/${id}`);
    expect(body.run).toMatchObject({ status: "error", errorMessage: expect.stringMatching(/no record/) });
    await apiJson(`/v1/history/${id}`, { method: "DELETE" });
  });
});
