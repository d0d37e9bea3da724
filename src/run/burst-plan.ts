/**
 * The burst pattern (PRODUCT.md §9) as pure functions of the request: when each burst is released,
 * how long before its instant the account objects are asked to sign it, and how its transactions
 * are shared among them.
 *
 * A burst is signed before its instant and released at it, so the first one cannot be at the very
 * start of the run: it is one lead time in, and the next ones follow every `burstIntervalSec`.
 */
import { distribute, type Slice } from "./dispatch";

/**
 * Transactions one account object sends in one burst at most: one JSON-RPC batch (PRODUCT.md §9),
 * so every object releases its share in a single request at the instant. It bounds `burstCount`
 * by the number of accounts, and the auto-sizing gives a burst enough of them.
 */
export const MAX_BURST_SHARE = 500;
export const DEFAULT_BURST_WINDOW_MS = 1_000;

/** The signing lead: the call's round trip, a cold object's key derivation, a late tick. */
const BASE_LEAD_MS = 1_000;
/**
 * Time per transaction of the whole burst from order to signed and written to the ledger: build,
 * sign, hash, two ledger writes. Locally every account object shares one isolate, so the whole
 * burst is signed one transaction after another: 0.2 ms a signature on an idle machine (README),
 * about 1.5 ms all told on a loaded 2-core one (measured: 300 over 10 objects took 350–600 ms).
 * Deployed, objects sign in parallel and the lead is generous.
 */
const SIGN_MS_PER_TX = 1;
const MAX_LEAD_MS = 10_000;

export interface BurstConfig {
  durationSec: number;
  burstCount?: number;
  burstWindowMs?: number;
  burstIntervalSec?: number;
}

/** How long before its instant a burst is handed to the account objects to sign. */
export function burstLeadMs(burstCount: number): number {
  return Math.min(MAX_LEAD_MS, BASE_LEAD_MS + Math.ceil(burstCount * SIGN_MS_PER_TX));
}

/**
 * The planned instants, in ms after the run started: one lead time in, then every
 * `burstIntervalSec` while within the duration. At least one: a run shorter than the lead still
 * gets its burst (the stop sequence waits for it).
 */
export function burstOffsetsMs(config: BurstConfig): number[] {
  const first = burstLeadMs(config.burstCount ?? 0);
  const interval = (config.burstIntervalSec ?? 0) * 1000;
  const end = config.durationSec * 1000;
  const offsets = [first];
  if (interval <= 0) return offsets;
  for (let at = first + interval; at < end; at += interval) offsets.push(at);
  return offsets;
}

/** Transactions planned over the whole run. */
export function burstTotal(config: BurstConfig): number {
  return (config.burstCount ?? 0) * burstOffsetsMs(config).length;
}

/** Transactions planned for the whole second `second` (an average rate over that second). */
export function burstsInSecond(config: BurstConfig, second: number): number {
  const bursts = burstOffsetsMs(config).filter((offset) => Math.floor(offset / 1000) === second).length;
  return bursts * (config.burstCount ?? 0);
}

/** The rate while a burst leaves: `burstCount` within its window. Sizes accounts and the log sampling. */
export function burstPeakRate(config: BurstConfig): number {
  return (config.burstCount ?? 0) / ((config.burstWindowMs ?? DEFAULT_BURST_WINDOW_MS) / 1000);
}

/** Account objects a burst needs at least, each carrying at most MAX_BURST_SHARE. */
export function accountsForBurst(burstCount: number): number {
  return Math.ceil(burstCount / MAX_BURST_SHARE);
}

/**
 * Every account's share of one burst: `count` over all accounts, even to within one, the extra
 * ones rotating with `cursor` so that over many bursts every account sends the same number.
 */
export function burstShares(count: number, numAccounts: number, cursor: number): { slices: Slice[]; cursor: number; unplaced: number } {
  return distribute(count, numAccounts, cursor, () => true, MAX_BURST_SHARE);
}
