/**
 * The circuit breaker of PRODUCT.md §6 as plain state and pure steps.
 *
 * It counts transactions, not tries: a send is a new transaction submitted, a failure is one whose
 * submission definitively failed (refused by the node, or gone after its retry budget ran out). A
 * transient error that a retry of the same bytes got past is a retry, which the breaker does not
 * see: a few percent of dropped connections, 429s or 503s must not cut a run to 10 tps.
 *
 * Closed: sends are counted in tumbling windows of at least `minWindow`. A window whose failure
 * rate exceeds `failureRate` (or revocation rate exceeds `revocationRate`) trips it open: the
 * coordinator resyncs every nonce and the rate is cut to `reducedTps`. Open: the next window
 * whose combined rate is below `closeRate` closes it, and the rate climbs back by `climbFactor`
 * a tick until it reaches the pattern's target again.
 */
import type { BurstResult } from "../account/send-burst";

export interface BreakerConfig {
  failureRate: number;
  revocationRate: number;
  closeRate: number;
  minWindow: number;
  reducedTps: number;
  climbFactor: number;
}

export const DEFAULT_BREAKER: BreakerConfig = {
  failureRate: 0.05,
  revocationRate: 0.2,
  closeRate: 0.02,
  minWindow: 100,
  reducedTps: 10,
  climbFactor: 1.5,
};

export interface BreakerState {
  state: "closed" | "open";
  trips: number;
  lastTripAt: number | null;
  window: { sends: number; failures: number; revocations: number };
  /** The rate limit while open and while climbing back; null once back at the target. */
  rateCap: number | null;
}

export function newBreaker(): BreakerState {
  return { state: "closed", trips: 0, lastTripAt: null, window: { sends: 0, failures: 0, revocations: 0 }, rateCap: null };
}

export function recordSends(breaker: BreakerState, sends: number, failures: number, revocations = 0): void {
  breaker.window.sends += sends;
  breaker.window.failures += failures;
  breaker.window.revocations += revocations;
}

/**
 * A burst's part in the window. Failures resolved late (an outcome left unknown by an earlier burst,
 * then found absent) count when they are reported; their send was counted with the earlier burst.
 */
export function recordBurstOutcome(breaker: BreakerState, result: Pick<BurstResult, "submitted" | "failed">): void {
  recordSends(breaker, result.submitted, result.failed.length);
}

/** Closes the window if it is full; returns what changed. */
export function evaluate(breaker: BreakerState, config: BreakerConfig, now: number): "tripped" | "closed" | null {
  const { sends, failures, revocations } = breaker.window;
  if (sends < config.minWindow) return null;
  breaker.window = { sends: 0, failures: 0, revocations: 0 };
  if (breaker.state === "closed") {
    if (failures / sends > config.failureRate || revocations / sends > config.revocationRate) {
      Object.assign(breaker, { state: "open", trips: breaker.trips + 1, lastTripAt: now, rateCap: config.reducedTps });
      return "tripped";
    }
    return null;
  }
  if ((failures + revocations) / sends < config.closeRate) {
    breaker.state = "closed";
    return "closed";
  }
  return null;
}

/** The rate to send at this tick: the target, or the breaker's cap while open or climbing back. */
export function allowedRate(breaker: BreakerState, config: BreakerConfig, target: number): number {
  if (breaker.rateCap === null) return target;
  if (breaker.state === "closed") {
    breaker.rateCap *= config.climbFactor;
    if (breaker.rateCap >= target) {
      breaker.rateCap = null;
      return target;
    }
  }
  return Math.min(target, breaker.rateCap);
}
