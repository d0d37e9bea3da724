/**
 * The burst pattern's plan and records as pure functions: when bursts are released, how each is
 * shared over the account objects, what funding and sizing it asks for, and how the objects'
 * reports and the run's confirmations fold into TestMetrics `bursts`.
 */
import { describe, expect, it } from "vitest";
import { MAX_BURST_SHARE, accountsForBurst, burstLeadMs, burstOffsetsMs, burstShares, burstTotal } from "../../src/run/burst-plan";
import { burstView, countBurstConfirmations, foldBurstReport, newBurstRecord, summarizeSkews } from "../../src/run/burst-stats";
import { startTestRequest } from "../../src/api/schemas";
import { readConfig, type Env } from "../../src/config";
import { planAccounts } from "../../src/run/initialize";
import { expectedTransactions, minAccounts, peakRate, rateAt, type PatternConfig } from "../../src/run/patterns";
import type { TxLog } from "../../src/run/tracker";

describe("burst plan: instants", () => {
  it("one lead time in, then every burstIntervalSec while within the duration", () => {
    const config: PatternConfig = { pattern: "burst", durationSec: 9, burstCount: 300, burstIntervalSec: 3 };
    const lead = burstLeadMs(300);
    expect(lead).toBe(1_300); // 1 s + 1 ms per transaction of the burst
    expect(burstOffsetsMs(config)).toEqual([lead, lead + 3_000, lead + 6_000]);
    expect(burstTotal(config)).toBe(900);
    expect(expectedTransactions(config)).toBe(900);
  });

  it("only the bursts whose instant falls within the duration", () => {
    // 1.1 s, 2.1 s, ..., 9.1 s: the tenth would be at 10.1 s, after the end.
    expect(burstOffsetsMs({ durationSec: 10, burstCount: 100, burstIntervalSec: 1 })).toHaveLength(9);
    expect(burstOffsetsMs({ durationSec: 10, burstCount: 100, burstIntervalSec: 10 })).toHaveLength(1);
  });

  it("without burstIntervalSec: one burst, at the start (one lead in), even in a run shorter than the lead", () => {
    expect(burstOffsetsMs({ durationSec: 60, burstCount: 1000 })).toEqual([2_000]);
    expect(burstOffsetsMs({ durationSec: 1, burstCount: 5_000 })).toEqual([6_000]);
  });

  it("the lead grows with the burst, within 10 s", () => {
    expect(burstLeadMs(1)).toBe(1_001);
    expect(burstLeadMs(5_000)).toBe(6_000);
    expect(burstLeadMs(2_500_000)).toBe(10_000);
  });

  it("rateAt gives the transactions planned in each whole second; peakRate is burstCount over the window", () => {
    const config: PatternConfig = { pattern: "burst", durationSec: 9, burstCount: 300, burstIntervalSec: 3, burstWindowMs: 500 };
    const perSecond = Array.from({ length: 10 }, (_, s) => rateAt(config, s + 0.5));
    expect(perSecond).toEqual([0, 300, 0, 0, 300, 0, 0, 300, 0, 0]);
    expect(peakRate(config)).toBe(600);
    expect(peakRate({ ...config, burstWindowMs: undefined })).toBe(300);
  });
});

describe("burst plan: shares", () => {
  it("shares sum to the burst, even to within one, none above one batch", () => {
    for (const [count, accounts] of [[300, 10], [301, 10], [7, 10], [5_000, 10], [4_999, 13]]) {
      const { slices, unplaced } = burstShares(count, accounts, 0);
      const counts = slices.map((s) => s.count);
      expect(unplaced, `${count} over ${accounts}`).toBe(0);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(count);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      expect(Math.max(...counts)).toBeLessThanOrEqual(MAX_BURST_SHARE);
    }
  });

  it("the extra ones rotate: over bursts every account sends the same number", () => {
    const totals = new Array<number>(10).fill(0);
    let cursor = 0;
    for (let burst = 0; burst < 10; burst++) {
      const plan = burstShares(303, 10, cursor);
      for (const s of plan.slices) totals[s.account] += s.count;
      cursor = plan.cursor;
    }
    expect(totals).toEqual(new Array(10).fill(303));
  });

  it("a burst beyond what the accounts carry is returned as unplaced; auto-sizing gives it enough accounts", () => {
    expect(burstShares(1_200, 2, 0).unplaced).toBe(200);
    expect(accountsForBurst(1_200)).toBe(3);
    expect(minAccounts({ pattern: "burst", durationSec: 5, burstCount: 1_200 })).toBe(3);
    expect(minAccounts({ pattern: "constant", durationSec: 5, constantRate: 9 })).toBe(1);
  });

  it("auto-sizing (numAccounts 0) gives a burst the accounts it needs, beyond what its rate asks for", () => {
    const config = readConfig({ BLOCK_TIME_MS: "1000" } as Env);
    const plan = (burstCount: number) => planAccounts({ request: startTestRequest.parse({ pattern: "burst", durationSec: 60, burstCount, burstWindowMs: 60_000 }) }, config);
    // 6,000 over a 60 s window is 100 tps: the rate alone would give 10 accounts, which carry 5,000.
    expect(plan(6_000).numAccounts).toBe(12);
    expect(plan(300).numAccounts).toBe(10);
    expect(plan(2_500_000).numAccounts).toBe(5_000);
  });
});

describe("burst records", () => {
  const timing = (plannedAt: number, first: number, last = first) => ({ plannedAt, firstSendAt: first, lastSendAt: last });

  it("folds each object's report: first and last send, skews per object, sent and failed", () => {
    const bursts = [newBurstRecord(10_000, 30, 3)];
    foldBurstReport(bursts, { timing: timing(10_000, 10_002, 10_004), sent: 10, failed: 0 });
    foldBurstReport(bursts, { timing: timing(10_000, 10_001), sent: 9, failed: 1 });
    expect(bursts[0]).toMatchObject({ reported: 2, firstSendAt: 10_001, lastSendAt: 10_004, sent: 19, failed: 1, skews: [2, 1] });
    foldBurstReport(bursts, { timing: timing(10_000, 10_007), sent: 10, failed: 0 });
    // Every object has reported: only the summary stays.
    expect(bursts[0].skews).toEqual([]);
    expect(burstView(bursts[0])).toEqual({
      plannedAt: 10_000,
      planned: 30,
      firstSendAt: 10_001,
      lastSendAt: 10_007,
      startSkewMs: { p50: 2, p99: 2, max: 7 },
      sent: 29,
      failed: 1,
      confirmed: 0,
      missed: false,
      regions: { auto: { accounts: 3, sent: 29, failed: 1, confirmed: 0, startSkewMs: { p50: 2, p99: 2, max: 7 } } },
    });
  });

  it("breaks a burst down by the region of the reporting objects: skew, sent and confirmed per region", () => {
    const bursts = [newBurstRecord(10_000, 40, 4)];
    foldBurstReport(bursts, { timing: timing(10_000, 10_002, 10_009), region: "weur", sent: 10, failed: 0 });
    foldBurstReport(bursts, { timing: timing(10_000, 10_030, 10_040), region: "apac", sent: 10, failed: 0 });
    foldBurstReport(bursts, { timing: timing(10_000, 10_004, 10_008), region: "weur", sent: 9, failed: 1 });
    expect(bursts[0].regions!.weur.skews).toEqual([2, 4]);
    foldBurstReport(bursts, { timing: timing(10_000, 10_050, 10_060), region: "apac", sent: 10, failed: 0 });
    const log = (region: string): TxLog => ({ hash: "0x", account: "a", nonce: 0, region, sentAt: 10_005, preconfirmedAt: null, confirmedAt: null, blockNumber: null, status: "confirmed", error: null });
    countBurstConfirmations(bursts, [log("weur"), log("weur"), log("apac")]);
    // Every object has reported: the per-region skews go too, their summaries stay.
    expect(Object.values(bursts[0].regions!).map((r) => r.skews)).toEqual([[], []]);
    const view = burstView(bursts[0]);
    expect(view.startSkewMs).toEqual({ p50: 4, p99: 30, max: 50 });
    expect(view.regions).toEqual({
      weur: { accounts: 2, sent: 19, failed: 1, confirmed: 2, startSkewMs: { p50: 2, p99: 2, max: 4 } },
      apac: { accounts: 2, sent: 20, failed: 0, confirmed: 1, startSkewMs: { p50: 30, p99: 30, max: 50 } },
    });
  });

  it("a report for a burst with no record gets one, in instant order", () => {
    const bursts = [newBurstRecord(1_000, 10, 1), newBurstRecord(3_000, 10, 1)];
    foldBurstReport(bursts, { timing: timing(2_000, 2_003), sent: 4, failed: 0 });
    expect(bursts.map((b) => b.plannedAt)).toEqual([1_000, 2_000, 3_000]);
    expect(bursts[1]).toMatchObject({ planned: 0, sent: 4, startSkewMs: { max: 3 } });
  });

  it("an object that sent nothing has no send time and no skew", () => {
    const bursts = [newBurstRecord(1_000, 10, 2)];
    foldBurstReport(bursts, { timing: timing(1_000, 0), sent: 0, failed: 0 });
    expect(bursts[0]).toMatchObject({ reported: 1, firstSendAt: null, startSkewMs: null });
  });

  it("each share's order is kept until its object reports; a burst is missed only when every share that reported was", () => {
    const record = newBurstRecord(1_000, 30, 3);
    record.orders = { 0: [["eth-transfer", 10]], 1: [["eth-transfer", 10]], 2: [["eth-transfer", 10]] };
    const bursts = [record];
    foldBurstReport(bursts, { timing: timing(1_000, 0), account: 1, sent: 0, failed: 0, missed: true });
    expect(Object.keys(record.orders)).toEqual(["0", "2"]);
    expect(record).toMatchObject({ reported: 1, missedShares: 1, missed: true, sent: 0 });
    foldBurstReport(bursts, { timing: timing(1_000, 1_002), account: 0, sent: 10, failed: 0 });
    expect(record).toMatchObject({ reported: 2, missedShares: 1, missed: false, sent: 10 });
    expect(Object.keys(record.orders)).toEqual(["2"]);
    // The view says neither the orders nor the count of missed shares: `sent` below `planned` shows them.
    expect(burstView(record)).not.toHaveProperty("orders");

    // Reached late by the coordinator, then a share reports missed too: still missed.
    const late = [newBurstRecord(5_000, 0, 0, true)];
    foldBurstReport(late, { timing: timing(5_000, 0), account: 0, sent: 0, failed: 0, missed: true });
    expect(late[0].missed).toBe(true);
    // A share that was sent after all (handed out by an instance whose checkpoint never held it): not missed.
    foldBurstReport(late, { timing: timing(5_000, 5_001), account: 1, sent: 10, failed: 0 });
    expect(late[0].missed).toBe(false);
  });

  it("confirmations count against the last burst planned at or before their send", () => {
    const bursts = [newBurstRecord(1_000, 3, 1), newBurstRecord(4_000, 3, 1), newBurstRecord(7_000, 3, 1)];
    const log = (sentAt: number, status: TxLog["status"] = "confirmed"): TxLog => ({ hash: "0x", account: "a", nonce: 0, region: "auto", sentAt, preconfirmedAt: null, confirmedAt: null, blockNumber: null, status, error: null });
    countBurstConfirmations(bursts, [log(1_000), log(1_030), log(3_999), log(4_001), log(6_900), log(7_000), log(8_000, "failed"), log(8_000, "discarded")]);
    // 3_999 and 6_900 are within the 250 ms margin of the next instant: a clock read a little early.
    expect(bursts.map((b) => b.confirmed)).toEqual([2, 2, 2]);
  });

  it("skew summary: exact p50, p99 and max", () => {
    const skews = Array.from({ length: 101 }, (_, i) => 100 - i);
    expect(summarizeSkews(skews)).toEqual({ p50: 50, p99: 99, max: 100 });
    expect(summarizeSkews([4])).toEqual({ p50: 4, p99: 4, max: 4 });
  });
});
