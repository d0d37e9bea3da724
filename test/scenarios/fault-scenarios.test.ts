/**
 * Real faults from a real HTTP proxy in front of anvil, during real runs. Every scenario ends with
 * the chain audit: contiguous nonces per sender, an empty pool, `txConfirmed` equal to what was
 * mined, and `txSent = txConfirmed + txFailed + txDiscarded`. The target for "lost" is zero.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import type { FaultConfig, FaultStats } from "../support/fault-proxy";
import { apiJson, auditChain, ledgerMismatches, blockNumber, chainRpc, faultStats, reportScenario, resetFaultStats, setFaults, takeEndpointDown, waitForRun } from "../workers/helpers";

const RATE = 50;
const DURATION_SEC = 8;
const ACCOUNTS = 10;

interface Outcome {
  metrics: TestMetrics;
  stats: FaultStats;
  lost: number;
}

/** Starts a run, applies `inject` once it is sending, and audits the chain when it is over. */
async function runWithFaults(
  scenario: string,
  inject: () => Promise<void>,
  request: Record<string, unknown> = {},
  injectedOutsideProxy = () => 0,
): Promise<Outcome> {
  const fromBlock = await blockNumber();
  const { body } = await apiJson("/v1/start", {
    method: "POST",
    json: { pattern: "constant", durationSec: DURATION_SEC, numAccounts: ACCOUNTS, constantRate: RATE, name: scenario, ...request },
  });
  await waitForRun(body.runId, (m) => m.status === "running" && m.txSent > 0);
  await resetFaultStats();
  await inject();
  const metrics = await waitForRun(body.runId, undefined, 120_000);
  const stats = await faultStats();
  await setFaults({});
  const audit = await auditChain(fromBlock);
  const ledgers = await ledgerMismatches(audit, metrics);
  // "Lost": anything the chain and the report disagree on, or left behind for the next run.
  const lost =
    audit.gaps.length +
    audit.poolPending +
    audit.poolQueued +
    Math.abs(audit.senderTransactions - (metrics.txConfirmed + metrics.housekeeping.confirmed)) +
    ledgers.length +
    Math.abs(metrics.txSent - (metrics.txConfirmed + metrics.txFailed + metrics.txDiscarded));
  const report = {
    scenario,
    rateTps: request.constantRate ?? RATE,
    durationSec: request.durationSec ?? DURATION_SEC,
    accounts: request.numAccounts ?? ACCOUNTS,
    txSent: metrics.txSent,
    txConfirmed: metrics.txConfirmed,
    txFailed: metrics.txFailed,
    txDiscarded: metrics.txDiscarded,
    onChain: audit.loadTransactions,
    faultsInjected: Object.values(stats.injected).reduce((a, b) => a + b, 0) + injectedOutsideProxy(),
    errors: metrics.errors,
    retries: metrics.retries,
    breakerTrips: metrics.circuitBreaker.trips,
    rebroadcast: metrics.stuck.rebroadcast,
    replaced: metrics.stuck.replaced,
    lost,
    verified: (metrics.verification as { verified?: boolean } | null)?.verified ?? false,
  };
  await reportScenario(report);
  if (lost > 0) console.log(`${scenario}: ${JSON.stringify({ report, audit, ledgers, verification: metrics.verification })}`);
  expect(audit.gaps).toEqual([]);
  expect(audit.poolPending + audit.poolQueued).toBe(0);
  expect(audit.senderTransactions).toBe(metrics.txConfirmed + metrics.housekeeping.confirmed);
  expect(ledgers).toEqual([]);
  expect(metrics.txSent).toBe(metrics.txConfirmed + metrics.txFailed + metrics.txDiscarded);
  expect(metrics.status).toBe("completed");
  expect(metrics.verification).toMatchObject({ verified: true });
  expect(lost).toBe(0);
  return { metrics, stats, lost };
}

const faults = (config: FaultConfig) => () => setFaults({ seed: 7, ...config });

describe("fault scenarios: nothing lost", () => {
  afterEach(async () => {
    await setFaults({});
    const { body } = await apiJson<TestMetrics>("/v1/status");
    if (["initializing", "running", "verifying"].includes(body.status) && body.runId) {
      await apiJson("/v1/stop", { method: "POST" });
      await waitForRun(body.runId, undefined, 120_000);
    }
  });

  it("3 % of send responses dropped after the node accepted them", async () => {
    const { stats, metrics } = await runWithFaults("3% dropped after forward", faults({ dropAfterForward: 0.03 }));
    expect(stats.injected.dropAfterForward).toBeGreaterThan(0);
    expect(metrics.errors.connection ?? 0).toBeGreaterThan(0);
  });

  it("5 % of sends answered 429 with Retry-After", async () => {
    const { stats, metrics } = await runWithFaults("5% HTTP 429", faults({ rateLimit: 0.05, retryAfterSec: 1 }));
    expect(stats.injected.rateLimit).toBeGreaterThan(0);
    expect(metrics.errors["rate-limited"]).toBeGreaterThan(0);
    // Retried, not failed: the breaker does not see them.
    expect(metrics.retries["rate-limited"]).toBeGreaterThan(0);
    expect(metrics.circuitBreaker.trips).toBe(0);
  });

  it("3 % of sends answered 503", async () => {
    const { stats, metrics } = await runWithFaults("3% HTTP 503", faults({ unavailable: 0.03 }));
    expect(stats.injected.unavailable).toBeGreaterThan(0);
    expect(metrics.errors.unavailable).toBeGreaterThan(0);
    expect(metrics.retries.unavailable).toBeGreaterThan(0);
    expect(metrics.circuitBreaker.trips).toBe(0);
  });

  it("2 % of sends delayed by 3 seconds", async () => {
    const { stats } = await runWithFaults("2% delayed 3 s", faults({ delay: 0.02, delayMs: 3_000 }));
    expect(stats.injected.delay).toBeGreaterThan(0);
  });

  it("the endpoint down for 5 seconds mid-run", async () => {
    const { stats, metrics } = await runWithFaults("endpoint down 5 s", () => takeEndpointDown(5_000), { durationSec: 12 });
    expect(stats.injected.down).toBe(1);
    expect(metrics.errors.connection ?? 0).toBeGreaterThan(0);
  });

  it("all of them at once", async () => {
    const { stats } = await runWithFaults(
      "mix of all",
      async () => {
        await setFaults({ seed: 11, dropAfterForward: 0.03, rateLimit: 0.05, retryAfterSec: 1, unavailable: 0.03, delay: 0.02, delayMs: 3_000 });
        await new Promise((r) => setTimeout(r, 2_000));
        await takeEndpointDown(5_000);
      },
      { durationSec: 14 },
    );
    expect(stats.injected.dropAfterForward + stats.injected.rateLimit + stats.injected.unavailable + stats.injected.delay).toBeGreaterThan(0);
    expect(stats.injected.down).toBe(1);
  });
});

describe("transient faults at the target rate", () => {
  afterEach(() => setFaults({}));

  // PRODUCT.md §6: an endpoint with a few percent of transient faults must still receive the target rate.
  it("10 % transient faults at 100 tps: the target gets through, every fault retried, no trip", async () => {
    const { stats, metrics } = await runWithFaults(
      "10% transient faults at target",
      faults({ dropAfterForward: 0.03, rateLimit: 0.03, retryAfterSec: 1, unavailable: 0.02, delay: 0.02, delayMs: 3_000 }),
      { constantRate: 100, durationSec: 20, numAccounts: 16 },
    );
    console.log(`10% transient faults at target: ${JSON.stringify({ txConfirmed: metrics.txConfirmed, txSent: metrics.txSent, trips: metrics.circuitBreaker.trips, retries: metrics.retries, errors: metrics.errors, injected: stats.injected, sendRequests: stats.sendRequests })}`);
    expect(Math.abs(metrics.txConfirmed - 2_000)).toBeLessThanOrEqual(200);
    expect(metrics.circuitBreaker.trips).toBe(0);
    expect(stats.injected.dropAfterForward * stats.injected.rateLimit * stats.injected.unavailable * stats.injected.delay).toBeGreaterThan(0);
    expect(metrics.retries).toMatchObject({ connection: expect.any(Number), "rate-limited": expect.any(Number), unavailable: expect.any(Number) });
  });
});

describe("circuit breaker under a failure burst", () => {
  afterEach(() => setFaults({}));

  it("trips on 10 % failures, cuts to 10 tps, resyncs, closes once clean and climbs back", async () => {
    const seen = { open: false, cappedAt: Infinity, backToTarget: false };
    await runWithFaults(
      "10% failure burst (breaker)",
      async () => {
        // Definitive failures: the node refuses 10 % of the transactions outright (a retry could
        // not get past that). Each refused nonce is rolled back and reused, so nothing is lost.
        await setFaults({ seed: 3, reject: 0.1 });
        const { body } = await apiJson<TestMetrics>("/v1/status");
        const open = await waitForRun(body.runId!, (m) => m.circuitBreaker.state === "open", 30_000);
        seen.open = true;
        seen.cappedAt = open.targetTps;
        await setFaults({});
        await waitForRun(body.runId!, (m) => m.circuitBreaker.state === "closed" && m.targetTps === 60, 40_000);
        seen.backToTarget = true;
      },
      { constantRate: 60, durationSec: 40 },
    );
    expect(seen).toEqual({ open: true, cappedAt: 10, backToTarget: true });
    expect((await faultStats()).injected.reject).toBeGreaterThan(0);
    const { body } = await apiJson<TestMetrics>("/v1/status");
    expect(body.circuitBreaker.trips).toBeGreaterThanOrEqual(1);
    expect(body.circuitBreaker.lastTripAt).toBeGreaterThan(0);
  });
});

describe("account objects restarted mid-run", () => {
  it("resume from their persisted ledgers without reusing or skipping a nonce", async () => {
    let restarts = 0;
    const restarted = [1, 4, 7].map((i) => env.ACCOUNT.get(env.ACCOUNT.idFromName(`sender:auto:${i}`)));
    await runWithFaults(
      "3 account objects restarted",
      async () => {
        for (const stub of restarted) {
          // abort() throws inside the object by design; the object restarts on its next call.
          await runInDurableObject(stub, (_instance, state) => state.abort("restarted by the test")).catch(() => {});
          restarts += 1;
          await new Promise((r) => setTimeout(r, 700));
        }
      },
      {},
      () => restarts,
    );
    expect(restarts).toBe(3);
    // A stub that saw its object abort stays broken; a new one reaches the restarted object.
    for (const i of [1, 4, 7]) {
      const fresh = env.ACCOUNT.get(env.ACCOUNT.idFromName(`sender:auto:${i}`));
      expect(await fresh.ledgerSnapshot()).toMatchObject({ reserved: [], unknown: [], free: [] });
    }
  });
});

describe("stuck transactions", () => {
  afterEach(() => setFaults({}));

  it("a node that forgets 5 % of transactions: re-broadcast until mined", async () => {
    const { stats, metrics } = await runWithFaults("5% forgotten by the node", faults({ blackhole: 0.05 }));
    expect(stats.injected.blackhole).toBeGreaterThan(0);
    expect(metrics.stuck.rebroadcast).toBeGreaterThan(0);
  });

  it("a base-fee spike that prices pending transactions out: replaced with a fee bump", async () => {
    const { metrics } = await runWithFaults("base fee spike to 50 gwei", async () => {
      const { body } = await apiJson<TestMetrics>("/v1/status");
      // Fees ×25 cost more than a run is funded for: give the senders room, then spike the base fee.
      await waitForRun(body.runId!, (m) => m.txConfirmed >= 4 * ACCOUNTS);
      const { body: txs } = await apiJson(`/v1/history/${body.runId}/transactions?limit=1000&status=confirmed`);
      for (const account of new Set<string>(txs.transactions.map((t: { account: string }) => t.account))) {
        await chainRpc("anvil_setBalance", [account, "0x3635c9adc5dea00000"]);
      }
      await chainRpc("anvil_setNextBlockBaseFeePerGas", ["0xba43b7400"]);
    });
    expect(metrics.stuck.replaced).toBeGreaterThan(0);
  });
});
