/**
 * Rate limiting of PRODUCT.md §6 as plain state and pure steps: AIMD on sustained 429s, apart
 * from the circuit breaker.
 *
 * Send requests (HTTP requests carrying eth_sendRawTransaction, retries included) are counted in
 * tumbling windows of a second. A window in which more than `share` of them were refused for rate
 * cuts the cap multiplicatively (from the current rate, then from the cap) and pauses sending until
 * the longest `Retry-After` of that window has passed. Every window after that without sustained
 * 429s raises the cap additively, until it reaches the target and is lifted.
 *
 * "More than 5 %" is judged with the noise of a small count in mind: at 100 requests a second, an
 * endpoint that refuses 3 % of them shows six or more refusals in one second out of twelve by
 * chance alone, and halving the rate for that would deny it the target rate that §6 says a few
 * percent of transient faults must still receive. So the refusals must exceed `share` by
 * `confidenceZ` standard errors of a binomial count (one chance in a hundred that a second of
 * exactly 5 % looks sustained), and be at least `minRateLimited`. At thousands of requests a
 * second the margin shrinks towards the bare 5 %.
 */
import type { SendRequests } from "../account/send-burst";

export interface RateLimitConfig {
  /** Share of send requests refused for rate above which a window is a sustained limit. */
  share: number;
  /** Standard errors by which the refused count must exceed `share` of the requests. */
  confidenceZ: number;
  /** Fewer refusals than this in a window are never sustained, whatever the share. */
  minRateLimited: number;
  windowMs: number;
  /** Multiplicative decrease of the cap on a sustained window. */
  decrease: number;
  /** Additive increase per clean window: the larger of this share of the target and `minStepTps`. */
  climbShare: number;
  minStepTps: number;
  /** The cap is never cut below this. */
  minCapTps: number;
  /** A longer `Retry-After` is cut to this: one endpoint must not stall a run for minutes. */
  maxPauseMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = {
  share: 0.05,
  confidenceZ: 2.33,
  minRateLimited: 3,
  windowMs: 1_000,
  decrease: 0.5,
  climbShare: 0.1,
  minStepTps: 1,
  minCapTps: 1,
  maxPauseMs: 10_000,
};

export interface RateLimitState {
  /** The cap on the send rate; null when not limited. */
  capTps: number | null;
  /** No new transaction is dispatched before this instant (ms). */
  pausedUntil: number;
  window: { startedAt: number; requests: number; rateLimited: number; maxRetryAfterMs: number };
}

export interface RateLimitView {
  limited: boolean;
  /** The rate allowed now: 0 while paused, the cap while limited, null when not limited. */
  currentCapTps: number | null;
}

const freshWindow = (startedAt: number): RateLimitState["window"] => ({ startedAt, requests: 0, rateLimited: 0, maxRetryAfterMs: 0 });

export function newRateLimit(now: number): RateLimitState {
  return { capTps: null, pausedUntil: 0, window: freshWindow(now) };
}

/**
 * A burst's send requests. Answers that arrive while sending is paused are left out: their
 * requests went out before the cut, and the cut has already answered for them.
 */
export function recordRequests(state: RateLimitState, requests: SendRequests, now: number): void {
  if (now < state.pausedUntil) return;
  const w = state.window;
  w.requests += requests.sent;
  w.rateLimited += requests.rateLimited;
  w.maxRetryAfterMs = Math.max(w.maxRetryAfterMs, requests.maxRetryAfterMs);
}

/** Are `rateLimited` refusals out of `requests` more than `share`, beyond chance? */
export function isSustained(requests: number, rateLimited: number, config: RateLimitConfig): boolean {
  if (rateLimited < config.minRateLimited) return false;
  const margin = config.confidenceZ * Math.sqrt(requests * config.share * (1 - config.share));
  return rateLimited > config.share * requests + margin;
}

/**
 * The rate to dispatch at now, given the rate the pattern and the breaker allow: closes the window
 * if a second has passed (cutting or raising the cap), then applies the pause and the cap.
 */
export function limitRate(state: RateLimitState, config: RateLimitConfig, rate: number, now: number): number {
  if (now - state.window.startedAt >= config.windowMs) closeWindow(state, config, rate, now);
  if (now < state.pausedUntil) return 0;
  return state.capTps === null ? rate : Math.min(rate, state.capTps);
}

function closeWindow(state: RateLimitState, config: RateLimitConfig, rate: number, now: number): void {
  const { requests, rateLimited, maxRetryAfterMs } = state.window;
  state.window = freshWindow(now);
  if (isSustained(requests, rateLimited, config)) {
    state.capTps = Math.max(config.minCapTps, Math.min(state.capTps ?? rate, rate) * config.decrease);
    state.pausedUntil = now + Math.min(config.maxPauseMs, maxRetryAfterMs);
    // The next window judges the reduced rate: it opens when sending resumes.
    state.window = freshWindow(state.pausedUntil);
    return;
  }
  if (state.capTps === null) return;
  state.capTps += Math.max(config.minStepTps, config.climbShare * rate);
  if (state.capTps >= rate) state.capTps = null;
}

export function rateLimitView(state: RateLimitState, now: number): RateLimitView {
  if (now < state.pausedUntil) return { limited: true, currentCapTps: 0 };
  return { limited: state.capTps !== null, currentCapTps: state.capTps === null ? null : Math.round(state.capTps * 100) / 100 };
}
