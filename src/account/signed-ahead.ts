/**
 * The signed-ahead window of one sender (issue 9): its next nonces, reserved in the ledger and
 * signed between sends, so that a burst's transactions leave without being signed first.
 *
 * Nothing in the window has left the object, so dropping it costs only the CPU spent: a fee
 * change, a type change, a rolled-back nonce below it, a resync, the end of the run or a new run
 * give its nonces back (`NonceLedger.release`), and the next burst signs afresh. No nonce ever
 * carries two different transactions that left the object. In memory only: after a restart the
 * ledger frees the reservations it finds (`releaseOrphans`).
 *
 * Which transactions may be signed ahead: those whose payload does not depend on how many were
 * built before (`TypeSpec.signAhead`) and runs without drawn tips, so a dropped window changes no
 * figure and skips no NFT or swap direction.
 */
import type { FeeQuote, TransactionType } from "../tx/types";
import type { NonceLedger } from "./nonce-ledger";
import { signFresh, type SenderDeps, type SignedTx } from "./send-burst";

/** What the window's transactions were signed for; a burst asking for anything else drops them. */
export interface WindowKey {
  type: TransactionType;
  fees: FeeQuote;
}

/**
 * A transaction signed for `signed` may go out for a burst that asks for `asked`: same type, same
 * tip, and a fee cap at least 7/8 of the one asked for. The coordinator's cap is twice the base
 * fee and moves with every block; 7/8 of it still leaves 1.75 × the base fee, several blocks of
 * the largest rise (12.5 % a block). An exact match would drop the window at nearly every block.
 */
export function fits(signed: WindowKey, asked: WindowKey): boolean {
  return (
    signed.type === asked.type &&
    signed.fees.maxPriorityFeePerGas === asked.fees.maxPriorityFeePerGas &&
    BigInt(signed.fees.maxFeePerGas) * 8n >= BigInt(asked.fees.maxFeePerGas) * 7n
  );
}

type Entry = SignedTx & { key: WindowKey };

/** The most a window holds: one JSON-RPC batch. */
export const MAX_WINDOW = 500;
/** The window covers this much of the account's recent demand. */
const WINDOW_MS = 1_000;
/** Demand is remembered for this many recent bursts at most (bounded memory). */
const DEMAND_SAMPLES = 64;

export class SignedAheadWindow {
  private entries: Entry[] = [];
  private filling: Promise<void> | undefined;
  /** Bumped whenever the window is dropped: a fill that finishes after a drop gives its nonces back. */
  private generation = 0;
  private readonly demand: Array<[at: number, count: number]> = [];

  constructor(private readonly ledger: NonceLedger) {}

  get size(): number {
    return this.entries.length;
  }

  /** Resolves once no fill is under way: a fill's nonces must be settled before anything else reserves. */
  async idle(): Promise<void> {
    while (this.filling) await this.filling;
  }

  /**
   * Up to `count` transactions that fit `key`, in nonce order, taken out of the window. From the
   * first entry that does not fit, the window is dropped; all of it if a rolled-back nonce below
   * it must be reused first. Synchronous: call it after `idle()`, before any await.
   */
  take(key: WindowKey, count: number): SignedTx[] {
    if (this.entries.length === 0) return [];
    if (this.ledger.hasFree()) {
      this.drop();
      return [];
    }
    const firstMisfit = this.entries.findIndex((entry) => !fits(entry.key, key));
    if (firstMisfit >= 0) this.dropFrom(firstMisfit);
    return this.entries.splice(0, count).map(({ key: _, ...tx }) => tx);
  }

  /** Gives every nonce of the window back to the ledger. */
  drop(): void {
    this.dropFrom(0);
  }

  /** The ledger was started over: whatever the window held is gone with it. */
  forget(): void {
    this.generation += 1;
    this.entries = [];
  }

  /** Gives back the entries from `index` on: the window's top nonces, so the ledger's `next` comes down to them. */
  private dropFrom(index: number): void {
    this.generation += 1;
    this.ledger.release(this.entries.slice(index).map((tx) => tx.nonce));
    this.entries.length = index;
  }

  /** A burst of `count` was asked for at `now`: what the window sizes itself by. */
  noteDemand(now: number, count: number): void {
    this.demand.push([now, count]);
    if (this.demand.length > DEMAND_SAMPLES) this.demand.shift();
  }

  /** Transactions the account was asked for over the last second, up to MAX_WINDOW and to what fits before `sendBy`. */
  target(now: number, sendBy: number): number {
    const recent = this.demand.filter(([at]) => now - at <= WINDOW_MS).reduce((sum, [, n]) => sum + n, 0);
    const left = Math.max(0, sendBy - now);
    return Math.min(MAX_WINDOW, left >= WINDOW_MS ? recent : Math.floor((recent * left) / WINDOW_MS));
  }

  /**
   * Signs up to `target` transactions for `key` after the window's last nonce, stopping at
   * `sendBy` (the end of sending: what is signed after it cannot leave). Reserves
   * synchronously when called; one fill at a time; nothing is filled over a free nonce (it must be
   * reused first).
   */
  fill(deps: SenderDeps, key: WindowKey, target: number, sendBy: number): Promise<void> {
    if (this.filling) return this.filling;
    const missing = target - this.entries.length;
    if (missing <= 0 || this.ledger.hasFree()) return Promise.resolve();
    const generation = this.generation;
    const signing = signFresh(deps, missing, key.fees, sendBy);
    this.filling = signing
      .then((signed) => {
        // Past sendBy, signFresh gave the nonces back: nothing is left to send them for.
        if (!signed) return;
        if (generation === this.generation) this.entries.push(...signed.map((tx) => ({ ...tx, key })));
        else this.ledger.release(signed.map((tx) => tx.nonce));
      })
      // A failed fill has given its nonces back (signFresh); the next burst signs them itself.
      .catch(() => {})
      .finally(() => (this.filling = undefined));
    return this.filling;
  }
}
