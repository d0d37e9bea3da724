/**
 * The circuit breaker counts transactions: a send is a new transaction submitted, a failure one whose
 * submission definitively failed. Retries (transient errors a retry of the same bytes got past) are
 * neither, so a few percent of dropped connections, 429s or 503s never trip it.
 */
import { describe, expect, it } from "vitest";
import { emptyBurst, type BurstResult, type FailedTx } from "../../src/account/send-burst";
import { DEFAULT_BREAKER, allowedRate, evaluate, newBreaker, recordBurstOutcome, recordSends } from "../../src/run/circuit-breaker";

const cfg = DEFAULT_BREAKER;

const refused = (nonce: number): FailedTx => ({ hash: `0x${nonce.toString(16).padStart(64, "0")}`, nonce, sentAt: 1, errorClass: "insufficient-funds", message: "insufficient funds" });

function burst(parts: Partial<BurstResult>): BurstResult {
  return { ...emptyBurst("0x00000000000000000000000000000000000000a1"), ...parts };
}

describe("circuit breaker: what a burst counts", () => {
  it("a window where every transaction needed retries, and all got through, stays closed", () => {
    const b = newBreaker();
    const retried = { "rate-limited": 40, unavailable: 30, connection: 30, timeout: 20 } as const;
    recordBurstOutcome(b, burst({ submitted: 100, retries: retried, attemptErrors: retried, requests: { sent: 220, rateLimited: 40, maxRetryAfterMs: 1000 } }));
    expect(b.window).toEqual({ sends: 100, failures: 0, revocations: 0 });
    expect(evaluate(b, cfg, 1)).toBeNull();
    expect(b.state).toBe("closed");
  });

  it("definitive failures trip it: 6 of 100 transactions refused by the node or gone after their budget", () => {
    const b = newBreaker();
    recordBurstOutcome(b, burst({ submitted: 50, failed: [0, 1, 2].map(refused) }));
    recordBurstOutcome(b, burst({ submitted: 50, failed: [3, 4, 5].map(refused), retries: { unavailable: 5 } }));
    expect(b.window).toEqual({ sends: 100, failures: 6, revocations: 0 });
    expect(evaluate(b, cfg, 7)).toBe("tripped");
  });

  it("a failure resolved late counts when it is reported; its send was counted with its own burst", () => {
    const b = newBreaker();
    recordBurstOutcome(b, burst({ submitted: 100 }));
    // The next burst settles six outcomes left unknown by the first (absent at the node) and sends nothing new.
    recordBurstOutcome(b, burst({ submitted: 0, failed: [10, 11, 12, 13, 14, 15].map(refused) }));
    expect(b.window).toEqual({ sends: 100, failures: 6, revocations: 0 });
    expect(evaluate(b, cfg, 1)).toBe("tripped");
  });

  it("a re-broadcast (no new transaction, one request) adds nothing", () => {
    const b = newBreaker();
    recordBurstOutcome(b, burst({ submitted: 0, requests: { sent: 1, rateLimited: 0, maxRetryAfterMs: 0 }, attemptErrors: { "nonce-too-low": 3 } }));
    expect(b.window).toEqual({ sends: 0, failures: 0, revocations: 0 });
  });
});

describe("circuit breaker: windows, trips and the rate", () => {
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
