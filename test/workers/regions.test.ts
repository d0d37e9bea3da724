/**
 * Runs over several location hints on anvil. Miniflare ignores placement, so what is tested is
 * what the product controls: how many account objects each region gets (the weighted plan), that
 * each object is the one named for its region, and that the per-region figures add up to the
 * run's totals, then the chain audit every whole run ends with.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { apiJson, auditChain, blockNumber, expectNothingLost, stopLiveRun, waitForRun } from "./helpers";

afterEach(() => stopLiveRun(120_000));

const sum = (m: TestMetrics, f: (r: TestMetrics["regions"][string]) => number) => Object.values(m.regions).reduce((total, r) => total + f(r), 0);

describe("regions on anvil", () => {
  it("weur:enam:apac weighted 2:1:1 over 8 accounts: 4, 2 and 2 objects, per-region figures adding up to the totals", async () => {
    const fromBlock = await blockNumber();
    const started = await apiJson("/v1/start", {
      method: "POST",
      json: {
        pattern: "constant",
        durationSec: 5,
        numAccounts: 8,
        constantRate: 40,
        regions: ["weur", "enam", "apac"],
        regionWeights: { weur: 2, enam: 1, apac: 1 },
        name: "regions 2:1:1",
      },
    });
    expect(started.status).toBe(200);
    const m = await waitForRun(started.body.runId);
    console.log("regions", JSON.stringify(m.regions));

    expect(m).toMatchObject({ status: "completed", accountsActive: 8, txFailed: 0, txDiscarded: 0 });
    expect(Object.keys(m.regions)).toEqual(["weur", "enam", "apac"]);
    expect(Object.values(m.regions).map((r) => [r.weight, r.accounts])).toEqual([[2, 4], [1, 2], [1, 2]]);
    // The rate is dealt over the objects in turn: each region sends about its share of the accounts.
    for (const [region, r] of Object.entries(m.regions)) {
      expect(r.txSent, region).toBeGreaterThan(0);
      expect(Math.abs(r.txSent / m.txSent - r.accounts / 8), region).toBeLessThan(0.1);
      expect(r.sendLatency.count, region).toBe(r.txSent);
      expect(r.confirmLatency.count, region).toBe(r.txConfirmed);
      expect(r.confirmLatency.p50, region).toBeGreaterThan(0);
    }
    expect(sum(m, (r) => r.txSent)).toBe(m.txSent);
    expect(sum(m, (r) => r.txConfirmed)).toBe(m.txConfirmed);
    expect(sum(m, (r) => r.txFailed + r.txDiscarded)).toBe(0);
    expect(sum(m, (r) => r.sendLatency.count)).toBe(m.sendLatency.count);
    expect(sum(m, (r) => r.confirmLatency.count)).toBe(m.confirmLatency.count);
    // The chain holds exactly what was counted, and every object named for its region (sender:<region>:<index>) agrees with it.
    await expectNothingLost(m, await auditChain(fromBlock));

    // Every logged transaction carries the region of the object that sent it.
    const { body } = await apiJson(`/v1/history/${m.runId}/transactions?limit=1000&status=confirmed`);
    const logged: Record<string, number> = {};
    for (const tx of body.transactions as Array<{ region: string }>) logged[tx.region] = (logged[tx.region] ?? 0) + 1;
    expect(logged).toEqual(Object.fromEntries(Object.entries(m.regions).map(([region, r]) => [region, r.txConfirmed])));
  });

  it("a burst over weur and apac reports each region's start skew, and the regions add up to the burst", async () => {
    const fromBlock = await blockNumber();
    const started = await apiJson("/v1/start", {
      method: "POST",
      json: { pattern: "burst", durationSec: 4, numAccounts: 6, burstCount: 120, burstIntervalSec: 2, regions: ["weur", "apac"] },
    });
    expect(started.status).toBe(200);
    const m = await waitForRun(started.body.runId);
    console.log("burst regions", JSON.stringify(m.bursts.map((b) => ({ skew: b.startSkewMs, regions: b.regions }))));

    expect(m).toMatchObject({ status: "completed", txSent: 240, txConfirmed: 240 });
    expect(m.regions).toMatchObject({ weur: { accounts: 3, txConfirmed: 120 }, apac: { accounts: 3, txConfirmed: 120 } });
    expect(m.bursts).toHaveLength(2);
    for (const [k, b] of m.bursts.entries()) {
      expect(Object.keys(b.regions), `burst ${k}`).toEqual(["weur", "apac"]);
      for (const [region, r] of Object.entries(b.regions)) {
        expect(r, `burst ${k} ${region}`).toMatchObject({ accounts: 3, sent: 60, failed: 0, confirmed: 60 });
        expect(r.startSkewMs!.p50, `burst ${k} ${region}`).toBeGreaterThanOrEqual(0);
        expect(r.startSkewMs!.p50).toBeLessThanOrEqual(r.startSkewMs!.p99);
        expect(r.startSkewMs!.p99).toBeLessThanOrEqual(r.startSkewMs!.max);
        // Within the burst's own skew: the regions' maxima are the burst's objects' maxima.
        expect(r.startSkewMs!.max).toBeLessThanOrEqual(b.startSkewMs!.max);
        expect(r.startSkewMs!.max, `burst ${k} ${region} skew`).toBeLessThan(100);
      }
      expect(Math.max(...Object.values(b.regions).map((r) => r.startSkewMs!.max))).toBe(b.startSkewMs!.max);
    }
    await expectNothingLost(m, await auditChain(fromBlock));
  });
});
