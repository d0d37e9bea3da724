import { describe, expect, it } from "vitest";
import { DEFAULT_BREAKER, allowedRate, evaluate, newBreaker, recordSends } from "../../src/run/circuit-breaker";

const cfg = DEFAULT_BREAKER;

describe("circuit breaker", () => {
  it("does not judge a window of fewer than minWindow sends", () => {
    const b = newBreaker();
    recordSends(b, 99, 99);
    expect(evaluate(b, cfg, 1)).toBeNull();
    expect(b.state).toBe("closed");
  });

  it("stays closed at exactly 5 % failures and trips above it, recording the trip", () => {
    const b = newBreaker();
    recordSends(b, 100, 5);
    expect(evaluate(b, cfg, 1)).toBeNull();
    recordSends(b, 100, 6);
    expect(evaluate(b, cfg, 42)).toBe("tripped");
    expect(b).toMatchObject({ state: "open", trips: 1, lastTripAt: 42, rateCap: 10 });
  });

  it("trips on more than 20 % revocations even without send failures", () => {
    const b = newBreaker();
    recordSends(b, 100, 0, 21);
    expect(evaluate(b, cfg, 1)).toBe("tripped");
  });

  it("holds the rate at 10 tps while open, whatever the target", () => {
    const b = newBreaker();
    recordSends(b, 200, 50);
    evaluate(b, cfg, 1);
    expect(allowedRate(b, cfg, 500)).toBe(10);
    expect(allowedRate(b, cfg, 500)).toBe(10);
    expect(allowedRate(b, cfg, 5)).toBe(5);
  });

  it("closes only on a window under 2 %, then climbs back by half a tick to the target", () => {
    const b = newBreaker();
    recordSends(b, 100, 10);
    evaluate(b, cfg, 1);
    recordSends(b, 100, 2);
    expect(evaluate(b, cfg, 2)).toBeNull(); // 2 % is not under 2 %
    expect(b.state).toBe("open");
    recordSends(b, 100, 1);
    expect(evaluate(b, cfg, 3)).toBe("closed");
    const climb = [allowedRate(b, cfg, 40), allowedRate(b, cfg, 40), allowedRate(b, cfg, 40), allowedRate(b, cfg, 40)];
    expect(climb).toEqual([15, 22.5, 33.75, 40]);
    expect(b.rateCap).toBeNull();
    expect(allowedRate(b, cfg, 40)).toBe(40);
  });

  it("counts windows apart: old failures do not trip a later clean window", () => {
    const b = newBreaker();
    recordSends(b, 100, 5);
    evaluate(b, cfg, 1);
    recordSends(b, 100, 5);
    expect(evaluate(b, cfg, 2)).toBeNull();
    expect(b.trips).toBe(0);
  });

  it("takes configured thresholds", () => {
    const b = newBreaker();
    recordSends(b, 200, 4);
    expect(evaluate(b, { ...cfg, failureRate: 0.01, minWindow: 200 }, 1)).toBe("tripped");
  });
});
