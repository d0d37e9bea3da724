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
 * `maxPerAccount` (one JSON-RPC batch). Accounts not in `available` are skipped; what cannot be
 * placed is returned as `unplaced`, with the cursor for the next tick.
 */
export function distribute(
  count: number,
  numAccounts: number,
  cursor: number,
  available: (account: number) => boolean,
  maxPerAccount = Number.POSITIVE_INFINITY,
): { slices: Slice[]; cursor: number; unplaced: number } {
  const open: number[] = [];
  for (let k = 0; k < numAccounts; k++) {
    const account = (cursor + k) % numAccounts;
    if (available(account)) open.push(account);
  }
  if (open.length === 0 || count === 0) return { slices: [], cursor, unplaced: count };
  const placed = Math.min(count, open.length * maxPerAccount);
  const base = Math.floor(placed / open.length);
  const extra = placed % open.length;
  const slices = open
    .map((account, i) => ({ account, count: base + (i < extra ? 1 : 0) }))
    .filter((s) => s.count > 0);
  // Next tick starts after the last account that got an extra one, among those that were open:
  // counting over all accounts would hand a busy account's turn to its neighbour.
  const next = extra > 0 ? (open[extra - 1] + 1) % numAccounts : cursor;
  return { slices, cursor: next, unplaced: count - placed };
}
