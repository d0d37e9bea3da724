/**
 * Turning a rate into whole transactions per tick, and spreading them over account objects.
 * Pure functions; the coordinator keeps the state they return.
 */

export interface Budget {
  /** Fractional transactions owed but not yet sent. */
  owed: number;
}

/**
 * Adds what `rateTps` owes for `elapsedMs` and takes the whole part. The debt is capped at
 * `maxOwed`, so a stalled tick does not turn into an unbounded catch-up burst later.
 */
export function takeFromBudget(budget: Budget, rateTps: number, elapsedMs: number, maxOwed: number): number {
  budget.owed = Math.min(maxOwed, budget.owed + (rateTps * Math.max(0, elapsedMs)) / 1000);
  const whole = Math.floor(budget.owed);
  budget.owed -= whole;
  return whole;
}

export interface Slice {
  account: number;
  count: number;
}

/**
 * Spreads `count` transactions over the accounts that can take more, round-robin from `cursor`
 * so that over many ticks every account sends the same share. No account gets more than
 * `maxPerAccount` (one JSON-RPC batch), and no more accounts are used than give each at least
 * `minPerAccount`: a call to an account object costs far more than a transaction in it, so under
 * load a tick hands out fewer, larger slices. Accounts not in `available` are skipped; what cannot
 * be placed is returned as `unplaced`, with the cursor for the next tick.
 */
export function distribute(
  count: number,
  numAccounts: number,
  cursor: number,
  available: (account: number) => boolean,
  maxPerAccount = Number.POSITIVE_INFINITY,
  minPerAccount = 1,
): { slices: Slice[]; cursor: number; unplaced: number } {
  const wanted = Math.max(1, Math.ceil(count / minPerAccount));
  const open: number[] = [];
  let limited = false;
  for (let k = 0; k < numAccounts; k++) {
    const account = (cursor + k) % numAccounts;
    if (!available(account)) continue;
    if (open.length === wanted) {
      limited = true;
      break;
    }
    open.push(account);
  }
  if (open.length === 0 || count === 0) return { slices: [], cursor, unplaced: count };
  const placed = Math.min(count, open.length * maxPerAccount);
  const base = Math.floor(placed / open.length);
  const extra = placed % open.length;
  const slices = open
    .map((account, i) => ({ account, count: base + (i < extra ? 1 : 0) }))
    .filter((s) => s.count > 0);
  // Next tick starts after the last account that got an extra one, among those that were open:
  // counting over all accounts would hand a busy account's turn to its neighbour. When fewer
  // accounts were used than were open, it starts after the last one used.
  const last = limited ? slices[slices.length - 1].account : extra > 0 ? open[extra - 1] : undefined;
  return { slices, cursor: last === undefined ? cursor : (last + 1) % numAccounts, unplaced: count - placed };
}

/**
 * Transactions a tick may hand out beyond those still in the account objects' hands: a quarter
 * more than they answered over the last second (room to grow, as a congestion window does), and
 * at least `floor`. Without it an overloaded worker queues more than it can sign before the end of
 * sending (in a profile, half of what was signed never left) and every other request waits behind
 * that queue; at twice, the status route waited 0.7–1.6 s, at a quarter more 0.3–1.2 s, for the
 * same throughput.
 */
export function dispatchRoom(answeredLastSecond: number, inFlight: number, floor = MIN_IN_FLIGHT, cap = Number.POSITIVE_INFINITY): number {
  // Whole transactions: a fractional room (the cap shrinks by a fifth) would hand out the fraction
  // rounded up, more than the budget was charged for.
  return Math.floor(Math.max(0, Math.max(floor, Math.min(cap, IN_FLIGHT_GROWTH * answeredLastSecond)) - inFlight));
}

/**
 * The in-flight cap from how late the coordinator's tick started after its alarm: every request
 * to the worker (the status route, a stop) waits about as long behind the work in flight when the
 * account objects share its thread (one workerd process locally). Late by more than LAG_HIGH_MS,
 * the cap shrinks to four fifths of what is in flight; on time within LAG_LOW_MS, it grows by a
 * tenth of the last second's answers, and lifts once above the window the answers allow anyway.
 */
export function inFlightCap(cap: number, lagMs: number, inFlight: number, answeredLastSecond: number): number {
  if (lagMs > LAG_HIGH_MS) return Math.max(MIN_IN_FLIGHT, Math.min(cap, inFlight) * 0.8);
  if (lagMs < LAG_LOW_MS) {
    const grown = cap + Math.max(MIN_IN_FLIGHT / 10, answeredLastSecond / 10);
    return grown > IN_FLIGHT_GROWTH * answeredLastSecond ? Number.POSITIVE_INFINITY : grown;
  }
  return cap;
}

const LAG_HIGH_MS = 250;
const LAG_LOW_MS = 100;

export const MIN_IN_FLIGHT = 1_000;
const IN_FLIGHT_GROWTH = 1.25;
