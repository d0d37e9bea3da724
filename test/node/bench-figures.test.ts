/** The benchmark's figures (bench/figures.ts): windows, rates, percentiles and targets, without a chain. */
import { describe, expect, it } from "vitest";
import { acceptedPerSecond, BUCKET_MS, busyShare, countFromFirst, cpuBetween, cpuBoundTps, cpuSince, pollsUnderLoad, drainFigures, emptyTally, latencyFigures, noteArrival, percentile, ratio, recordAnswer, serverTimings, sustainedFigures, targetsMet, TARGETS, usPerTx, type SendTally } from "../../bench/figures";

/** A tally of sends arriving at `arrivals` (ms), each answered `answerAfterMs` later, accepted unless listed. */
function tally(arrivals: number[], answerAfterMs = 5, rejectedAt: number[] = []): SendTally {
  const t = emptyTally();
  for (const at of arrivals) noteArrival(t, at);
  for (const at of arrivals) recordAnswer(t, at, at + answerAfterMs, !rejectedAt.includes(at));
  return t;
}

describe("send tally", () => {
  it("counts per 100 ms bucket from the first arrival, accepted and rejected apart", () => {
    const t = tally([1000, 1050, 1099.9, 1100, 1350], 5, [1050]);
    expect(t.acceptedPerBucket).toEqual([2, 1, 0, 1]);
    expect(t.rejectedPerBucket).toEqual([1]);
    expect([t.accepted, t.rejected]).toEqual([4, 1]);
    expect([t.firstArrival, t.lastArrival, t.firstAcceptedArrival, t.lastAcceptedArrival, t.lastAcceptedAnswer]).toEqual([1000, 1350, 1000, 1350, 1355]);
  });

  it("keeps the earliest and latest accepted whatever order the answers come back in", () => {
    const t = emptyTally();
    noteArrival(t, 10);
    noteArrival(t, 20);
    recordAnswer(t, 20, 30, true);
    recordAnswer(t, 10, 25, true);
    expect([t.firstAcceptedArrival, t.lastAcceptedArrival, t.lastAcceptedAnswer]).toEqual([10, 20, 30]);
  });

  it("counts a window of whole buckets from the first send", () => {
    const t = tally([0, 99, 100, 950, 999, 1000, 1500]);
    expect(countFromFirst(t, 1000)).toEqual({ accepted: 5, rejected: 0 });
    expect(countFromFirst(t, 100)).toEqual({ accepted: 2, rejected: 0 });
    expect(countFromFirst(t, 10_000).accepted).toBe(7);
  });
});

describe("accepted per second", () => {
  it("sums whole seconds from the first send, a quiet second counted as 0, up to the last send", () => {
    const t = tally([1000, 1999, 2000, 2500, 4100], 5, [2500]);
    expect(acceptedPerSecond(t)).toEqual([2, 1, 0, 1]);
    expect(acceptedPerSecond(emptyTally())).toEqual([]);
  });
});

describe("sustained figures", () => {
  it("is the accepted sends within durationSec of the first send, per second, and the tail past it", () => {
    // 100 sends a second for 3 s from t = 5000, then two late ones at 8,400 (accepted) and 8,700 (rejected).
    const arrivals = Array.from({ length: 300 }, (_, i) => 5000 + i * 10);
    const t = tally([...arrivals, 8400, 8700], 5, [8700]);
    const f = sustainedFigures(t, 3);
    expect(f.acceptedTps).toBe(100);
    expect(f.acceptedInWindow).toBe(300);
    expect(f.rejectedInWindow).toBe(0);
    expect(f.tailAfterDurationMs).toBe(700);
    expect(f.acceptedTailAfterDurationMs).toBe(400);
  });

  it("has a negative tail when sending stopped before the window ended, and none without sends", () => {
    expect(sustainedFigures(tally([0, 500]), 2).tailAfterDurationMs).toBe(-1500);
    expect(sustainedFigures(emptyTally(), 2)).toMatchObject({ acceptedTps: 0, tailAfterDurationMs: null });
  });
});

describe("drain figures (ceiling, burst)", () => {
  it("divides the accepted sends by first arrival to last answer", () => {
    // 1,000 sends arriving over 40 ms, the last answered 500 ms after the first arrived.
    const t = tally(Array.from({ length: 1000 }, (_, i) => 2000 + i * 0.04), 460);
    const f = drainFigures(t);
    expect(f.windowMs).toBeCloseTo(499.96, 2);
    expect(f.acceptedTps).toBeCloseTo(2000, 0);
    expect(f.arrivalSpanMs).toBeCloseTo(39.96, 2);
    expect(f.sends).toBe(1000);
  });

  it("is zero without an accepted send", () => {
    expect(drainFigures(tally([1, 2], 5, [1, 2]))).toMatchObject({ acceptedTps: 0, sends: 0, rejected: 2 });
  });
});

describe("latency and ratios", () => {
  it("takes nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });

  it("counts a timed-out poll as the timeout", () => {
    const answered = Array.from({ length: 99 }, () => 20);
    expect(latencyFigures(answered, 1, 30_000)).toEqual({ polls: 100, p50Ms: 20, p99Ms: 20, maxMs: 30_000, timeouts: 1 });
    expect(latencyFigures(answered.slice(0, 49), 2, 30_000).p99Ms).toBe(30_000);
  });

  it("takes the polls in flight during the window, a long one from before it too", () => {
    const polls = [
      { startedAt: 0, ms: 50, timedOut: false }, // before the window
      { startedAt: 900, ms: 5_000, timedOut: false, d1Ms: 1_000, coordinatorMs: 3_000 }, // started before, waited into it
      { startedAt: 6_000, ms: 30_000, timedOut: true },
      { startedAt: 36_000, ms: 20, timedOut: false, d1Ms: 2, coordinatorMs: 8 },
      { startedAt: 40_001, ms: 10, timedOut: false }, // after
    ];
    // Where the answered ones waited (p50, nearest rank): D1, the coordinator, the rest.
    const waits = { d1P50Ms: 2, coordinatorP50Ms: 8, restP50Ms: 10 };
    expect(pollsUnderLoad(polls, 1_000, 40_000, 30_000)).toEqual({ polls: 3, p50Ms: 5_000, p99Ms: 30_000, maxMs: 30_000, timeouts: 1, waits });
    expect(pollsUnderLoad(polls, 50_000, 60_000, 30_000).polls).toBe(0);
  });

  it("reads the durations of a Server-Timing header", () => {
    expect(serverTimings("d1;dur=12, coordinator;dur=340.5")).toEqual({ d1: 12, coordinator: 340.5 });
    expect(serverTimings(null)).toEqual({});
  });

  it("counts CPU from the last sample at or before the start to the last one", () => {
    const samples = [
      { t: 0, cpuMs: 100 },
      { t: 250, cpuMs: 150 },
      { t: 500, cpuMs: 400 },
      { t: 750, cpuMs: 900 },
    ];
    expect(cpuSince(samples, 300)).toBe(750);
    expect(cpuSince(samples, -5)).toBe(800);
    expect(cpuSince([], 0)).toBe(0);
    // Within a window: from the sample at or before its start to the one at or before its end.
    expect(cpuBetween(samples, 300, 600)).toBe(250);
    expect(cpuBetween(samples, 250, 250)).toBe(0);
    // An inverted window (no send seen) is no span, not a negative one.
    expect(cpuBetween(samples, 600, 300)).toBe(0);
  });

  it("gives CPU µs per transaction and ratios to two places", () => {
    expect(usPerTx(1500, 10_000)).toBe(150);
    expect(usPerTx(1, 0)).toBeNull();
    expect(ratio(2, 3)).toBe(0.67);
    expect(ratio(1, 0)).toBe(0);
  });
});

describe("the machine's CPU budget", () => {
  it("takes the busy share between the samples at or before each end", () => {
    const samples = [
      { t: 0, busyMs: 0, totalMs: 0 },
      { t: 1_000, busyMs: 1_000, totalMs: 2_000 },
      { t: 2_000, busyMs: 2_800, totalMs: 4_000 },
      { t: 3_000, busyMs: 3_000, totalMs: 6_000 },
    ];
    // From the sample at 1 s to the one at 2 s: 1,800 of 2,000 ms busy.
    expect(busyShare(samples, 1_500, 2_500)).toBe(0.9);
    expect(busyShare(samples, 0, 3_000)).toBe(0.5);
    expect(busyShare(samples, 2_000, 2_000)).toBeNull();
    expect(busyShare([], 0, 1)).toBeNull();
  });

  it("bounds the rate by every core busy at the path's CPU per transaction", () => {
    // 2 cores, 250 + 40 + 210 µs per transaction: 4,000 tps keep both busy.
    expect(cpuBoundTps(2, [250, 40, 210])).toBe(4_000);
    expect(cpuBoundTps(2, [250, null, 210])).toBeNull();
    expect(cpuBoundTps(2, [0])).toBeNull();
  });
});

describe("targets", () => {
  const measured = { burstRatio: 0.9, sustainedRatio: 0.6, signRatio: 2, statusP99Ms: 999, tailMs: 1000, verified: true };

  it("meets each target at its bound: ratios at least, p99 below, tail at most", () => {
    expect(Object.values(targetsMet(measured)).every(Boolean)).toBe(true);
  });

  it("misses each target past its bound", () => {
    const missed = targetsMet({ burstRatio: 0.89, sustainedRatio: 0.59, signRatio: 1.99, statusP99Ms: TARGETS.statusP99Ms, tailMs: 1001, verified: false });
    expect(missed).toEqual({ burstRatio: false, sustainedRatio: false, signRatio: false, statusP99Ms: false, tailMs: false, verified: false });
    expect(targetsMet({ ...measured, tailMs: null }).tailMs).toBe(false);
    expect(targetsMet({ ...measured, statusP99Ms: null }).statusP99Ms).toBe(false);
  });

  it("uses BUCKET_MS that divides a second", () => {
    expect(1000 % BUCKET_MS).toBe(0);
  });
});
