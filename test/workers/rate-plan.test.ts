/**
 * The rate plan, from pattern to transactions: the rate a pattern asks for at a given second, the
 * whole transactions each (uneven) coordinator tick takes from that rate, and how they are spread
 * over account objects. A run sends the right total only if all three are right.
 */
import { describe, expect, it } from "vitest";
import { dispatchRoom, inFlightCap, MIN_IN_FLIGHT, distribute, takeFromBudget, type Budget } from "../../src/run/dispatch";
import { expectedTransactions, peakRate, rateAt, type PatternConfig } from "../../src/run/patterns";
import { mulberry32 } from "../support/seeded-random";


describe("patterns: rate at a time", () => {
  it("constant: the rate inside the duration, 0 before it and from its end on", () => {
    const config: PatternConfig = { pattern: "constant", durationSec: 30, constantRate: 137 };
    expect([0, 0.001, 15, 29.999].map((t) => rateAt(config, t))).toEqual([137, 137, 137, 137]);
    expect([-0.001, 30, 31, 1e6].map((t) => rateAt(config, t))).toEqual([0, 0, 0, 0]);
    expect(peakRate(config)).toBe(137);
    expect(expectedTransactions(config)).toBe(137 * 30);
  });

  it("ramp: linear from rampStart to rampEnd over the run", () => {
    const config: PatternConfig = { pattern: "ramp", durationSec: 100, rampStart: 10, rampEnd: 110 };
    expect(rateAt(config, 0)).toBe(10);
    expect(rateAt(config, 25)).toBe(35);
    expect(rateAt(config, 50)).toBe(60);
    expect(rateAt(config, 99)).toBe(109);
    expect(rateAt(config, 100)).toBe(0); // the run is over
    expect(peakRate(config)).toBe(110);
    expect(expectedTransactions(config)).toBe(11_000);
  });

  it("ramp down: linear from a high start to a low end", () => {
    const config: PatternConfig = { pattern: "ramp", durationSec: 10, rampStart: 200, rampEnd: 0 };
    expect(rateAt(config, 0)).toBe(200);
    expect(rateAt(config, 5)).toBe(100);
    expect(rateAt(config, 9)).toBeCloseTo(20, 9);
    expect(peakRate(config)).toBe(200);
  });

  it("ramp in rampSteps equal stairs: first stair at rampStart, last at rampEnd", () => {
    const config: PatternConfig = { pattern: "ramp", durationSec: 100, rampStart: 0, rampEnd: 100, rampSteps: 5 };
    const at = (t: number) => rateAt(config, t);
    expect([0, 19.9].map(at)).toEqual([0, 0]);
    expect([20, 39.9].map(at)).toEqual([25, 25]);
    expect([40, 59.9].map(at)).toEqual([50, 50]);
    expect([60, 79.9].map(at)).toEqual([75, 75]);
    expect([80, 99.9].map(at)).toEqual([100, 100]);
  });

  it("ramp with a single step holds rampStart for the whole run", () => {
    const config: PatternConfig = { pattern: "ramp", durationSec: 60, rampStart: 40, rampEnd: 400, rampSteps: 1 };
    expect([0, 30, 59.9].map((t) => rateAt(config, t))).toEqual([40, 40, 40]);
  });

  it("spike: the spike fills the last spikeDuration seconds of each spikeInterval", () => {
    const config: PatternConfig = {
      pattern: "spike",
      durationSec: 60,
      baselineRate: 20,
      spikeRate: 500,
      spikeDuration: 3,
      spikeInterval: 10,
    };
    const at = (t: number) => rateAt(config, t);
    // Each interval [10k, 10k+10): baseline for 7 s, then the spike for 3 s.
    for (const start of [0, 10, 20, 50]) {
      expect([start, start + 6.999].map(at), `interval at ${start}`).toEqual([20, 20]);
      expect([start + 7, start + 8.5, start + 9.999].map(at), `interval at ${start}`).toEqual([500, 500, 500]);
    }
    expect(at(60)).toBe(0);
    expect(peakRate(config)).toBe(500);
    expect(expectedTransactions(config)).toBe(500 * 60);

    // Seconds at spike rate over the run, sampled every 10 ms: 6 intervals × 3 s.
    let spikeSamples = 0;
    for (let i = 0; i < 6_000; i++) if (at(i / 100) === 500) spikeSamples++;
    expect(spikeSamples).toBe(1_800);
  });

  it("adaptive-realistic: starts at the realistic target unless adaptiveInitialRate is given, then follows the controller", () => {
    const config = { pattern: "adaptive-realistic", durationSec: 10, realisticConfig: { targetTps: 120 }, adaptiveRateStep: 10 } as PatternConfig;
    expect(rateAt(config, 1)).toBe(120);
    expect(rateAt(config, 1, 75)).toBe(75);
    expect(rateAt({ ...config, adaptiveInitialRate: 40 }, 1)).toBe(40);
    // Funded up to the controller's ceiling: max(2 × initial, initial + 20 steps).
    expect(peakRate(config)).toBe(320);
    expect(rateAt(config, 10)).toBe(0);
  });

  it("adaptive: the controller's rate when given, the initial rate before; funded up to its ceiling", () => {
    const config: PatternConfig = { pattern: "adaptive", durationSec: 20, adaptiveInitialRate: 100, adaptiveRateStep: 10 };
    expect(rateAt(config, 3)).toBe(100);
    expect(rateAt(config, 3, 142)).toBe(142);
    expect(rateAt(config, 20, 142)).toBe(0);
    // Ceiling: max(2 × 100, 100 + 20 × 10) = 300.
    expect(peakRate(config)).toBe(300);
    expect(expectedTransactions(config)).toBe(300 * 20);
  });
});

describe("dispatch: takeFromBudget", () => {
  it("over 10 s of uneven 150–260 ms ticks at 137 tps, sends floor(1370) ± 1 in total", () => {
    const random = mulberry32(1234);
    const budget: Budget = { owed: 0 };
    const rate = 137;
    let elapsed = 0;
    let sent = 0;
    let ticks = 0;
    while (elapsed < 10_000) {
      const step = Math.min(10_000 - elapsed, 150 + Math.floor(random() * 111));
      elapsed += step;
      const whole = takeFromBudget(budget, rate, step, Math.max(1, rate));
      expect(Number.isInteger(whole)).toBe(true);
      // A tick takes what it owes: never more than one whole transaction of leftover debt.
      expect(budget.owed).toBeGreaterThanOrEqual(0);
      expect(budget.owed).toBeLessThan(1);
      sent += whole;
      ticks++;
    }
    expect(elapsed).toBe(10_000);
    expect(ticks).toBeGreaterThan(35);
    expect(Math.abs(sent - Math.floor(rate * 10))).toBeLessThanOrEqual(1);
  });

  it("a slow rate still gets out: 0.5 tps over 100 ms ticks sends one every 2 s", () => {
    const budget: Budget = { owed: 0 };
    const sentAt: number[] = [];
    for (let tick = 1; tick <= 100; tick++) if (takeFromBudget(budget, 0.5, 100, 1) > 0) sentAt.push(tick * 100);
    expect(sentAt).toHaveLength(5);
    for (let i = 1; i < sentAt.length; i++) expect(sentAt[i] - sentAt[i - 1]).toBeGreaterThanOrEqual(1_900);
  });

  it("caps the debt at maxOwed: a 5 s stall does not become a 5 s catch-up burst", () => {
    const budget: Budget = { owed: 0.4 };
    expect(takeFromBudget(budget, 137, 5_000, 137)).toBe(137);
    expect(budget.owed).toBe(0);
    // Back to normal ticks, normal amounts.
    expect(takeFromBudget(budget, 100, 100, 100)).toBe(10);
  });

  it("negative elapsed time owes nothing", () => {
    const budget: Budget = { owed: 0.5 };
    expect(takeFromBudget(budget, 1_000, -250, 1_000)).toBe(0);
    expect(budget.owed).toBe(0.5);
  });
});

describe("dispatch: distribute", () => {
  const all = () => true;

  it("spreads evenly: every open account gets count/N or one more, and nothing is lost", () => {
    for (const [count, accounts] of [[10, 3], [7, 7], [3, 8], [1000, 13], [1, 1]]) {
      const { slices, unplaced } = distribute(count, accounts, 0, all);
      const counts = slices.map((s) => s.count);
      expect(unplaced).toBe(0);
      expect(counts.reduce((a, b) => a + b, 0), `${count} over ${accounts}`).toBe(count);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      expect(slices.every((s) => s.count > 0)).toBe(true);
      expect(new Set(slices.map((s) => s.account)).size).toBe(slices.length);
      expect(slices.length).toBe(Math.min(count, accounts));
    }
  });

  it("rotates the cursor so that over many ticks every account gets the same count", () => {
    const numAccounts = 7;
    const totals = new Array<number>(numAccounts).fill(0);
    let cursor = 0;
    for (let tick = 0; tick < 7 * 50; tick++) {
      // 10 per tick: 3 extra each time; without rotation accounts 0–2 would get them all.
      const plan = distribute(10, numAccounts, cursor, all);
      for (const s of plan.slices) totals[s.account] += s.count;
      cursor = plan.cursor;
    }
    expect(totals).toEqual(new Array(numAccounts).fill(500));
  });

  it("keeps accounts within one of each other under random tick sizes, equal when the total divides", () => {
    const random = mulberry32(77);
    const numAccounts = 11;
    const totals = new Array<number>(numAccounts).fill(0);
    let cursor = 0;
    let sent = 0;
    for (let tick = 0; tick < 500; tick++) {
      const count = Math.floor(random() * 30);
      const plan = distribute(count, numAccounts, cursor, all);
      for (const s of plan.slices) totals[s.account] += s.count;
      cursor = plan.cursor;
      sent += count;
      expect(Math.max(...totals) - Math.min(...totals), `tick ${tick}`).toBeLessThanOrEqual(1);
      if (sent % numAccounts === 0) expect(new Set(totals).size, `tick ${tick}`).toBe(1);
    }
  });

  it("skips accounts that are not available", () => {
    const busy = new Set([1, 4]);
    const { slices, unplaced } = distribute(12, 6, 0, (a) => !busy.has(a));
    expect(unplaced).toBe(0);
    expect(slices.map((s) => s.account).sort()).toEqual([0, 2, 3, 5]);
    expect(slices.every((s) => s.count === 3)).toBe(true);
  });

  it("with one account busy for a long stretch, the available ones still share equally", () => {
    // The coordinator skips an account with MAX_INFLIGHT bursts in flight, possibly for many
    // ticks. The round-robin must then rotate over the others; the account right after the busy
    // one must not pick up the busy one's share on top of its own.
    for (const count of [1, 2, 3, 7]) {
      const totals = new Array<number>(6).fill(0);
      let cursor = 0;
      for (let tick = 0; tick < 500; tick++) {
        const plan = distribute(count, 6, cursor, (a) => a !== 1);
        for (const s of plan.slices) totals[s.account] += s.count;
        cursor = plan.cursor;
      }
      const open = totals.filter((_, account) => account !== 1);
      expect(totals[1]).toBe(0);
      expect(Math.max(...open) - Math.min(...open), `${count} per tick: ${JSON.stringify(totals)}`).toBeLessThanOrEqual(1);
    }
  });

  it("gives no account more than maxPerAccount and returns the rest as unplaced", () => {
    const { slices, unplaced } = distribute(1000, 4, 0, all, 200);
    expect(slices.map((s) => s.count)).toEqual([200, 200, 200, 200]);
    expect(unplaced).toBe(200);
  });

  it("uses no more accounts than give each minPerAccount, and rotates over all of them", () => {
    const totals = new Array<number>(10).fill(0);
    let cursor = 0;
    for (let tick = 0; tick < 100; tick++) {
      const plan = distribute(60, 10, cursor, all, 200, 25);
      // 60 at 25 at least: three accounts (20 each), not ten calls of 6.
      expect(plan.slices.map((s) => s.count)).toEqual([20, 20, 20]);
      for (const s of plan.slices) totals[s.account] += s.count;
      cursor = plan.cursor;
    }
    expect(Math.max(...totals) - Math.min(...totals)).toBeLessThanOrEqual(20);
    expect(totals.reduce((a, b) => a + b, 0)).toBe(6_000);
    // Fewer than the minimum: one account takes them all.
    expect(distribute(7, 10, 4, all, 200, 25)).toEqual({ slices: [{ account: 4, count: 7 }], cursor: 5, unplaced: 0 });
  });

  it("dispatchRoom: a quarter more than the last second's answers beyond what is in flight, at least the floor", () => {
    expect(dispatchRoom(0, 0)).toBe(MIN_IN_FLIGHT);
    expect(dispatchRoom(0, 400)).toBe(MIN_IN_FLIGHT - 400);
    expect(dispatchRoom(4_000, 2_000)).toBe(3_000);
    expect(dispatchRoom(4_000, 9_000)).toBe(0);
    // Under a cap from the event loop's lag: the cap, not the answers, bounds what is in flight; never below the floor.
    expect(dispatchRoom(4_000, 2_000, MIN_IN_FLIGHT, 2_500)).toBe(500);
    expect(dispatchRoom(4_000, 0, MIN_IN_FLIGHT, 200)).toBe(MIN_IN_FLIGHT);
    // Whole transactions only: a cap of four fifths is fractional, and what it leaves is rounded down.
    expect(dispatchRoom(4_001, 1_000)).toBe(4_001);
    expect(dispatchRoom(4_000, 1_000, MIN_IN_FLIGHT, 2_141.9)).toBe(1_141);
  });

  it("inFlightCap: shrinks to four fifths of what is in flight while ticks start late, grows back by a tenth of the answers, lifts when the window binds anyway", () => {
    const none = Number.POSITIVE_INFINITY;
    // On time: no cap.
    expect(inFlightCap(none, 20, 3_000, 3_000)).toBe(none);
    // Late by more than 250 ms: four fifths of what is in flight (not of a cap it is already under), never under the floor.
    expect(inFlightCap(none, 300, 3_000, 3_000)).toBe(2_400);
    expect(inFlightCap(2_400, 400, 2_000, 3_000)).toBe(1_600);
    expect(inFlightCap(1_100, 400, 1_100, 3_000)).toBe(MIN_IN_FLIGHT);
    // Between 100 and 250 ms late: held.
    expect(inFlightCap(1_600, 180, 1_600, 3_000)).toBe(1_600);
    // On time again: grows by a tenth of the answers …
    expect(inFlightCap(1_600, 40, 1_600, 3_000)).toBe(1_900);
    // … and lifts once above the window the answers allow (1.25 × 3,000).
    expect(inFlightCap(3_700, 40, 3_000, 3_000)).toBe(none);
  });

  it("returns everything as unplaced when no account is available, keeping the cursor", () => {
    expect(distribute(25, 5, 3, () => false)).toEqual({ slices: [], cursor: 3, unplaced: 25 });
  });

  it("a zero count places nothing and leaves the cursor where it was", () => {
    expect(distribute(0, 5, 2, all)).toEqual({ slices: [], cursor: 2, unplaced: 0 });
  });
});
