/** How a batch that got no usable answer is tried again: bounded, jittered, honouring Retry-After. */
import type { RpcError } from "../errors";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is cut to it: a burst must not hold its account for minutes. */
  maxRetryAfterMs: number;
}

/** Seven attempts wait at least ~5.9 s in all (jitter keeps half of each delay): a 5 s outage is ridden out. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 7, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 10_000 };

/**
 * Delay before attempt `attempt` (1 = the first retry): exponential with "equal jitter" (half fixed,
 * half random, so retries of many accounts spread out), never shorter than the server's Retry-After.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, error: RpcError | undefined, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + (random() * exponential) / 2;
  const asked = error?.retryAfterMs === undefined ? 0 : Math.min(policy.maxRetryAfterMs, error.retryAfterMs);
  return Math.max(jittered, asked);
}

/** Parses a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
