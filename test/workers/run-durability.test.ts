/**
 * A run survives its coordinator's restart, and `/stop` and `/reset` take effect in every phase.
 * Real runs against the real anvil; the fault proxy slows the funding transfers down so that a
 * stop or a reset lands while initialization is awaiting the node.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { apiJson, auditChain, blockNumber, chainRpc, ledgerMismatches, setFaults, waitForRun } from "./helpers";

const TERMINAL = ["completed", "stopped", "error"];

const SENDERS = 3;
const SLOW_FUNDING_RUN = { pattern: "constant", durationSec: 30, numAccounts: SENDERS, constantRate: 5 };

async function nonces(addresses: string[]): Promise<number[]> {
  return Promise.all(addresses.map(async (a) => Number(await chainRpc<string>("eth_getTransactionCount", [a, "pending"]))));
}

async function senderAddresses(count: number): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => env.ACCOUNT.get(env.ACCOUNT.idFromName(`sender:auto:${i}`)).prepare({ index: i, chainId: 31337, rpcUrl: env.BUILDER_RPC_URL! }).then((r) => r.address)));
}

/**
 * Empties the senders (so the run must fund them, whatever earlier tests left), starts a run whose
 * funding transfers the proxy holds for 2.5 s, and waits until it is funding.
 */
async function startSlowFundingRun(senders: string[]): Promise<string> {
  for (const address of senders) await chainRpc("anvil_setBalance", [address, "0x0"]);
  await setFaults({ delay: 1, delayMs: 2_500 });
  const { status, body } = await apiJson("/v1/start", { method: "POST", json: SLOW_FUNDING_RUN });
  expect(status).toBe(200);
  await waitForRun(body.runId, (m) => m.status === "initializing" && m.initPhase === "funding_accounts", 30_000);
  return body.runId;
}

afterEach(async () => {
  await setFaults({});
  const { body } = await apiJson<TestMetrics>("/v1/status");
  if (!TERMINAL.includes(body.status) && body.runId) {
    await apiJson("/v1/stop", { method: "POST" });
    await waitForRun(body.runId, undefined, 120_000);
  }
});

describe("stop and reset during initialization", () => {
  it("a stop while the senders are being funded ends the run before it sends anything", async () => {
    const senders = await senderAddresses(SENDERS);
    const before = await nonces(senders);
    const runId = await startSlowFundingRun(senders);

    expect((await apiJson("/v1/stop", { method: "POST" })).body).toEqual({ status: "stopping", runId });
    await setFaults({});
    const m = await waitForRun(runId, undefined, 60_000);
    expect(m.status).toBe("stopped");
    expect(m.txSent).toBe(0);
    expect(await nonces(senders)).toEqual(before);
    // The lock is released: the next start is accepted.
    const next = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 2, numAccounts: 3, constantRate: 5 } });
    expect(next.status).toBe(200);
    expect((await waitForRun(next.body.runId)).status).toBe("completed");
  });

  it("a reset while the senders are being funded ends it at once, and the interrupted step changes nothing after", async () => {
    const senders = await senderAddresses(SENDERS);
    const before = await nonces(senders);
    const runId = await startSlowFundingRun(senders);

    expect((await apiJson("/v1/reset", { method: "POST" })).body).toEqual({ status: "reset", runId });
    const m = await waitForRun(runId);
    expect(m).toMatchObject({ status: "error", txSent: 0 });
    expect(m.error).toMatch(/reset by request/);
    // The funding step was still awaiting the node: once it returns it must not go on to send.
    await setFaults({});
    await new Promise((r) => setTimeout(r, 4_000));
    const after = await apiJson<TestMetrics>("/v1/status");
    expect(after.body).toMatchObject({ runId, status: "error", txSent: 0 });
    expect(await nonces(senders)).toEqual(before);

    const fromBlock = await blockNumber();
    const next = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 2, numAccounts: 3, constantRate: 5 } });
    expect(next.status).toBe(200);
    const done = await waitForRun(next.body.runId);
    expect(done.verification).toMatchObject({ verified: true });
    expect((await auditChain(fromBlock)).gaps).toEqual([]);
  });
});

describe("a coordinator restarted mid-run", () => {
  it("resumes from its checkpoint and completes, verified, with every count equal to the chain", async () => {
    const fromBlock = await blockNumber();
    const { body } = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 10, numAccounts: 8, constantRate: 40 } });
    const runId: string = body.runId;
    const atRestart = await waitForRun(runId, (m) => m.status === "running" && m.txConfirmed > 40);

    // abort() throws inside the object by design; its alarm wakes the new instance.
    const coordinator = env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(runId));
    await runInDurableObject(coordinator, (_instance, state) => state.abort("restarted by the test")).catch(() => {});

    const m = await waitForRun(runId, undefined, 90_000);
    expect(m.status).toBe("completed");
    expect(m.coordinatorRestarts).toBeGreaterThanOrEqual(1);
    // The run went on sending after the restart (not a rate check: the suite shares two cores, and
    // a loaded machine has delivered 299 of the 400 planned here; alone it delivers 390–400).
    expect(m.txConfirmed).toBeGreaterThanOrEqual(atRestart.txSent + 100);
    expect(m.txSent).toBe(m.txConfirmed + m.txFailed + m.txDiscarded);
    expect(m.txPending).toBe(0);
    const audit = await auditChain(fromBlock);
    expect(audit.gaps).toEqual([]);
    expect(audit.poolPending + audit.poolQueued).toBe(0);
    expect(audit.senderTransactions).toBe(m.txConfirmed + m.housekeeping.confirmed);
    expect(await ledgerMismatches(audit, m)).toEqual([]);
    expect(m.verification).toMatchObject({ verified: true, problems: [] });

    // Nothing written twice or dropped on the way to D1: the per-second series adds up to the totals.
    const detail = await apiJson(`/v1/history/${runId}`);
    const sum = (key: "txSent" | "txConfirmed") => detail.body.timeSeries.reduce((s: number, row: Record<string, number>) => s + row[key], 0);
    expect(sum("txSent")).toBe(m.txSent);
    expect(sum("txConfirmed")).toBe(m.txConfirmed);
    expect(detail.body.run).toMatchObject({ status: "completed", txSent: m.txSent, txConfirmed: m.txConfirmed });
    const txs = await apiJson(`/v1/history/${runId}/transactions?limit=1`);
    expect(txs.body.total).toBe(m.txSent);
  });
});

describe("D1 pushing back", () => {
  it("keeps every row queued while D1 refuses it, and holds the one-run lock until the final write lands", async () => {
    const { body } = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 4, numAccounts: 4, constantRate: 20 } });
    const runId: string = body.runId;
    await waitForRun(runId, (m) => m.status === "running" && m.txConfirmed > 0);
    // A real D1 failure: every transaction-log write fails while the table is away.
    await env.DB.prepare("ALTER TABLE tx_logs RENAME TO tx_logs_away").run();
    let restored = false;
    try {
      const m = await waitForRun(runId);
      expect(m.status).toBe("completed");
      // The run is over, but its rows are not all in D1: the lock is still held.
      await new Promise((r) => setTimeout(r, 2_500));
      expect((await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 1, constantRate: 1 } })).status).toBe(409);
      expect((await apiJson(`/v1/history/${runId}`)).body.run.endedAt).toBeNull();

      await env.DB.prepare("ALTER TABLE tx_logs_away RENAME TO tx_logs").run();
      restored = true;
      const deadline = Date.now() + 20_000;
      let row: { endedAt: number | null; txSent: number; status: string } | undefined;
      while (Date.now() < deadline) {
        row = (await apiJson(`/v1/history/${runId}`)).body.run;
        if (row?.endedAt) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(row).toMatchObject({ status: "completed", txSent: m.txSent });
      const txs = await apiJson(`/v1/history/${runId}/transactions?limit=1`);
      expect(txs.body.total).toBe(m.txSent);
      const detail = await apiJson(`/v1/history/${runId}`);
      expect(detail.body.timeSeries.reduce((s: number, r: { txSent: number }) => s + r.txSent, 0)).toBe(m.txSent);
      const next = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 1, numAccounts: 2, constantRate: 2 } });
      expect(next.status).toBe(200);
      await waitForRun(next.body.runId);
    } finally {
      if (!restored) await env.DB.prepare("ALTER TABLE tx_logs_away RENAME TO tx_logs").run();
    }
  });
});

describe("a backlog at the end of a run", () => {
  it("waits while a congested chain works the backlog off, within a bound, and leaves the pool empty", async () => {
    // 2.1 M gas a block holds 100 transfers: at 160 tps the node falls behind by 60 a second, and
    // the ~480 left when sending ends need about 5 blocks: more than the 3 s grace period.
    await chainRpc("evm_setBlockGasLimit", ["0x200b20"]);
    try {
      const fromBlock = await blockNumber();
      const { body } = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 8, numAccounts: 10, constantRate: 160 } });
      const m = await waitForRun(body.runId, undefined, 120_000);
      expect(m.status).toBe("completed");
      expect(m.verification).toMatchObject({ verified: true, poolLeftovers: 0, problems: [] });
      expect(m.txSent).toBe(m.txConfirmed + m.txFailed + m.txDiscarded);
      // The backlog outlived the 3 s grace period and was waited out while it drained, not given up
      // on and closed: everything sent was mined as load. The stop sequence says how long it took.
      expect(m.txDiscarded).toBe(0);
      expect(m.txConfirmed).toBe(m.txSent);
      expect(m.stopSequenceMs).toBeGreaterThan(3_000);
      const audit = await auditChain(fromBlock);
      expect(audit.poolPending + audit.poolQueued).toBe(0);
      expect(audit.gaps).toEqual([]);
      expect(audit.senderTransactions).toBe(m.txConfirmed + m.housekeeping.confirmed);
      expect(await ledgerMismatches(audit, m)).toEqual([]);
    } finally {
      await chainRpc("evm_setBlockGasLimit", ["0x1c9c380"]);
    }
  });
});
