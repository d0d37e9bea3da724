/**
 * AIMD on sustained 429s (PRODUCT.md §6): per one-second window of send requests, more than 5 %
 * refused for rate (beyond chance) halves the cap and pauses dispatch for the longest Retry-After;
 * clean windows raise it by max(1, 10 % of the target) until it reaches the target and is lifted.
 */
import { describe, expect, it } from "vitest";
import type { SendRequests } from "../../src/account/send-burst";
import { DEFAULT_RATE_LIMIT, isSustained, limitRate, newRateLimit, rateLimitView, recordRequests, type RateLimitState } from "../../src/run/rate-limit";

const cfg = DEFAULT_RATE_LIMIT;
const T0 = 1_700_000_000_000;

const requests = (sent: number, rateLimited = 0, maxRetryAfterMs = 0): SendRequests => ({ sent, rateLimited, maxRetryAfterMs });

/** A limiter cut once at T0 + 1 s from `rate`, with a pause of `retryAfterMs`. */
function cutOnce(rate: number, retryAfterMs = 0): RateLimitState {
  const state = newRateLimit(T0);
  recordRequests(state, requests(100, 50, retryAfterMs), T0 + 500);
  limitRate(state, cfg, rate, T0 + 1_000);
  return state;
}

describe("rate limit: what is sustained", () => {
  it("a few percent of 429s at a hundred requests a second is noise, not a limit", () => {
    expect(isSustained(100, 3, cfg)).toBe(false);
    // 6 % in one second: an endpoint refusing 3 % shows that one second in twelve by chance.
    expect(isSustained(100, 6, cfg)).toBe(false);
    expect(isSustained(100, 10, cfg)).toBe(false);
    expect(isSustained(100, 11, cfg)).toBe(true);
  });

  it("the margin shrinks with the count: 6 % of 10,000 requests is sustained", () => {
    expect(isSustained(10_000, 560, cfg)).toBe(true);
    expect(isSustained(10_000, 500, cfg)).toBe(false);
  });

  it("fewer than three refusals are never sustained, whatever the share", () => {
    expect(isSustained(2, 2, cfg)).toBe(false);
    expect(isSustained(3, 3, cfg)).toBe(true);
  });
});

describe("rate limit: AIMD", () => {
  it("without 429s the rate passes unchanged and nothing is limited", () => {
    const state = newRateLimit(T0);
    recordRequests(state, requests(120), T0 + 400);
    expect(limitRate(state, cfg, 100, T0 + 1_000)).toBe(100);
    expect(limitRate(state, cfg, 100, T0 + 2_000)).toBe(100);
    expect(rateLimitView(state, T0 + 2_000)).toEqual({ limited: false, currentCapTps: null });
  });

  it("judges nothing before the window has lasted a second", () => {
    const state = newRateLimit(T0);
    recordRequests(state, requests(100, 60, 1_000), T0 + 100);
    expect(limitRate(state, cfg, 100, T0 + 999)).toBe(100);
    expect(state.capTps).toBeNull();
  });

  it("a sustained window halves the current rate and holds dispatch until the longest Retry-After has passed", () => {
    const state = newRateLimit(T0);
    recordRequests(state, requests(60, 20, 800), T0 + 300);
    recordRequests(state, requests(60, 20, 1_500), T0 + 700);
    expect(limitRate(state, cfg, 100, T0 + 1_000)).toBe(0);
    expect(rateLimitView(state, T0 + 1_000)).toEqual({ limited: true, currentCapTps: 0 });
    expect(limitRate(state, cfg, 100, T0 + 2_499)).toBe(0);
    expect(limitRate(state, cfg, 100, T0 + 2_500)).toBe(50);
    expect(rateLimitView(state, T0 + 2_500)).toEqual({ limited: true, currentCapTps: 50 });
  });

  it("the first cut starts from the rate it is given (the breaker's, when that is lower)", () => {
    expect(cutOnce(10).capTps).toBe(5);
  });

  it("a Retry-After longer than ten seconds pauses for ten", () => {
    const state = cutOnce(100, 120_000);
    expect(state.pausedUntil).toBe(T0 + 1_000 + 10_000);
  });

  it("clean windows after the pause raise the cap by 10 % of the target a second, then lift it", () => {
    const state = cutOnce(100, 1_000);
    const caps: Array<number | null> = [];
    // The pause ends at T0 + 2 s; the first window after it closes at T0 + 3 s.
    for (let s = 3; s <= 8; s++) {
      recordRequests(state, requests(80, 1), T0 + s * 1_000 - 500);
      limitRate(state, cfg, 100, T0 + s * 1_000);
      caps.push(rateLimitView(state, T0 + s * 1_000).currentCapTps);
    }
    expect(caps).toEqual([60, 70, 80, 90, null, null]);
    expect(limitRate(state, cfg, 100, T0 + 9_000)).toBe(100);
    expect(rateLimitView(state, T0 + 9_000)).toEqual({ limited: false, currentCapTps: null });
  });

  it("at a low target the climb is at least 1 tps a second", () => {
    const state = cutOnce(4);
    limitRate(state, cfg, 4, T0 + 2_000);
    expect(state.capTps).toBe(3);
    limitRate(state, cfg, 4, T0 + 3_000);
    expect(state.capTps).toBeNull();
  });

  it("429s that persist at the reduced rate cut again, from the cap", () => {
    const state = cutOnce(100, 1_000);
    recordRequests(state, requests(40, 10, 1_000), T0 + 2_500);
    expect(limitRate(state, cfg, 100, T0 + 3_000)).toBe(0);
    expect(limitRate(state, cfg, 100, T0 + 4_000)).toBe(25);
  });

  it("answers that arrive during the pause are not judged: they were sent before the cut", () => {
    const state = cutOnce(100, 1_000);
    recordRequests(state, requests(40, 30, 1_000), T0 + 1_500);
    limitRate(state, cfg, 100, T0 + 3_000);
    expect(state.capTps).toBe(60);
  });

  it("never cuts below 1 tps", () => {
    const state = cutOnce(1.5);
    expect(state.capTps).toBe(1);
    recordRequests(state, requests(10, 10), T0 + 1_500);
    limitRate(state, cfg, 1.5, T0 + 2_000);
    expect(state.capTps).toBe(1);
  });

  it("a cap above a target that fell is cut from the target", () => {
    const state = cutOnce(100);
    recordRequests(state, requests(50, 20), T0 + 1_500);
    limitRate(state, cfg, 20, T0 + 2_000);
    expect(state.capTps).toBe(10);
  });
});
