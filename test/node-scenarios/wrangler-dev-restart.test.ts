/**
 * A deploy restarts every Durable Object. Here, as a user would see it: `wrangler dev` is killed
 * mid-run and started again on the same persisted state; nobody calls the API in between. The
 * coordinator's alarm must wake it, and the run must complete, verified, with every count equal
 * to the chain.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followRun, getJson, startRun } from "../../scripts/lib/client";
import { jsonRpc } from "../../scripts/lib/json-rpc";
import { startAnvil, type Anvil } from "../../scripts/lib/anvil";
import { startWranglerDev, type WranglerDev } from "../../scripts/lib/wrangler-dev";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { auditChain } from "../support/chain-audit";

let anvil: Anvil;
let dev: WranglerDev | undefined;
// The test's own: a temporary one of startWranglerDev's would go with the first stop.
let persistDir: string;

beforeAll(async () => {
  persistDir = mkdtempSync(join(tmpdir(), "loadgen-restart-"));
  anvil = await startAnvil({ blockTimeSec: 1 });
});

afterAll(async () => {
  await dev?.stop();
  await anvil?.stop();
  if (persistDir) rmSync(persistDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

describe("wrangler dev killed and restarted mid-run", () => {
  it("resumes the run from its persisted state and completes it, verified", async () => {
    dev = await startWranglerDev({ rpcUrl: anvil.url, persistDir, wranglerDevArgs: [] });
    const fromBlock = Number(await jsonRpc<string>(anvil.url, "eth_blockNumber"));
    const runId = await startRun(dev.url, { pattern: "constant", durationSec: 20, numAccounts: 10, constantRate: 50 });
    let before: TestMetrics | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      before = await getJson<TestMetrics>(`${dev.url}/v1/status`);
      if (before.status === "running" && before.txConfirmed >= 150) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(before?.txConfirmed).toBeGreaterThanOrEqual(150);

    await dev.stop();
    // Down long enough that the run's clock has moved on without it.
    await new Promise((r) => setTimeout(r, 3_000));
    dev = await startWranglerDev({ rpcUrl: anvil.url, persistDir, wranglerDevArgs: [] });

    const m = await followRun(dev.url, runId, () => {}, 500, 120_000);
    expect(m.status).toBe("completed");
    expect(m.coordinatorRestarts).toBeGreaterThanOrEqual(1);
    expect(m.txConfirmed).toBeGreaterThanOrEqual(before!.txConfirmed);
    expect(m.txSent).toBe(m.txConfirmed + m.txFailed + m.txDiscarded);
    expect(m.verification).toMatchObject({ verified: true, problems: [] });

    const audit = await auditChain(anvil.url, fromBlock);
    expect(audit.gaps).toEqual([]);
    expect(audit.poolPending + audit.poolQueued).toBe(0);
    expect(audit.senderTransactions).toBe(m.txConfirmed + m.housekeeping.confirmed);

    const history = await getJson<{ run: { status: string; txConfirmed: number }; timeSeries: Array<{ txSent: number }> }>(`${dev.url}/v1/history/${runId}`);
    expect(history.run).toMatchObject({ status: "completed", txConfirmed: m.txConfirmed });
    expect(history.timeSeries.reduce((s, row) => s + row.txSent, 0)).toBe(m.txSent);
  });
});
