/**
 * What a run has done so far: counters, the transactions awaiting inclusion, latency sketches,
 * block figures and the per-second series. Plain state and pure updates; the coordinator owns one
 * and feeds it burst results and blocks as they arrive.
 */
import type { SendErrorClass } from "../errors";
import type { BurstResult } from "../account/send-burst";
import type { BlockHeader } from "../chain/node-queries";
import { emptySketch, mergeSketch, recordLatency, type SketchData } from "../metrics/latency-sketch";

export type TxStatus = "pending" | "confirmed" | "failed" | "discarded";

export interface TxLog {
  hash: string;
  account: string;
  nonce: number;
  region: string;
  sentAt: number;
  confirmedAt: number | null;
  blockNumber: number | null;
  status: TxStatus;
  error: string | null;
}

export interface SecondTotals {
  second: number;
  sent: number;
  confirmed: number;
  failed: number;
  gasUsed: bigint;
  gasLimit: bigint;
}

/** One logical transaction: a nonce of an account, under every hash it was sent as. */
interface TxRecord {
  account: string;
  nonce: number;
  region: string;
  sentAt: number;
  /** The first hash, then any fee-bumped replacement: whichever is mined confirms the record. */
  hashes: string[];
  status: TxStatus;
  nudges: number;
  lastNudgeAt: number;
  /** The last block the coordinator had seen when this was reported (or last nudged). */
  sinceBlock: number;
}

export interface StuckTransactions {
  /** Per account address: nonces to send again unchanged. */
  rebroadcast: Map<string, number[]>;
  /** Per account address: nonces to replace with a fee bump. */
  replace: Map<string, number[]>;
}

const ROLLING_WINDOW_MS = 5_000;
const nonceKey = (account: string, nonce: number) => `${account.toLowerCase()}:${nonce}`;
/** How many blocks a mined hash not (yet) known as ours is kept for a late report. */
const UNMATCHED_KEEP_BLOCKS = 64;

export class RunTracker {
  txSent = 0;
  txConfirmed = 0;
  txFailed = 0;
  txDiscarded = 0;
  readonly errors: Partial<Record<SendErrorClass, number>> = {};
  readonly retries: Partial<Record<SendErrorClass, number>> = {};
  readonly sendLatency: SketchData = emptySketch();
  readonly confirmLatency: SketchData = emptySketch();
  readonly regionConfirmed: Record<string, number> = {};
  blockCount = 0;
  totalGasUsed = 0n;
  totalGasLimit = 0n;
  peakTps = 0;
  /** Stuck-transaction handling: unchanged re-broadcasts asked for, fee-bumped replacements accepted. */
  rebroadcasts = 0;
  replacements = 0;

  /** The highest block seen. */
  private head = 0;
  private readonly byHash = new Map<string, TxRecord>();
  private readonly pending = new Set<TxRecord>();
  private readonly pendingByNonce = new Map<string, TxRecord>();
  /** Mined hashes not (yet) known as ours: a report that arrives after its block still matches. */
  private readonly unmatched = new Map<string, { blockNumber: number; seenAt: number }>();
  private readonly inclusions: Array<{ at: number; count: number }> = [];
  private logs: TxLog[] = [];
  private second: SecondTotals;

  constructor(
    readonly startedAt: number,
    startBlock = 0,
  ) {
    this.second = this.freshSecond(0);
    this.head = startBlock;
  }

  get txPending(): number {
    return this.pending.size;
  }

  /**
   * Folds in what an account object reports. Idempotent by hash: a transaction reported again
   * (recovered after a lost answer, re-broadcast) is counted once; a pending one that turns out to
   * be gone moves to failed; a failed one whose very bytes reach the node after all moves back.
   * Failures are applied first: a nonce given up (old hash) and reused (new hash) in one report
   * must leave two records, not one.
   */
  recordBurst(result: BurstResult, region: string): void {
    mergeSketch(this.sendLatency, result.sendLatency);
    for (const [errorClass, n] of Object.entries(result.attemptErrors)) this.countError(errorClass as SendErrorClass, n ?? 0);
    for (const [errorClass, n] of Object.entries(result.retries)) this.retries[errorClass as SendErrorClass] = (this.retries[errorClass as SendErrorClass] ?? 0) + (n ?? 0);
    for (const tx of result.failed) {
      const known = this.byHash.get(tx.hash);
      const error = `${tx.errorClass}: ${tx.message}`.slice(0, 500);
      if (!known) this.track(tx.hash, { account: result.address, nonce: tx.nonce, region, sentAt: tx.sentAt }, "failed", error);
      else if (known.status === "pending") {
        this.unsetPending(known);
        known.status = "failed";
        this.txFailed += 1;
        this.second.failed += 1;
        this.log(known, tx.hash, { error });
      }
      this.matchLate(tx.hash);
    }
    for (const tx of result.sent) {
      const known = this.byHash.get(tx.hash);
      // A new hash for a nonce still pending is a replacement whose own answer was lost.
      const sameNonce = known ? undefined : this.pendingByNonce.get(nonceKey(result.address, tx.nonce));
      if (sameNonce) this.alias(sameNonce, tx.hash);
      else if (!known) this.track(tx.hash, { account: result.address, nonce: tx.nonce, region, sentAt: tx.sentAt }, "pending");
      else if (known.status === "failed") {
        this.txFailed -= 1;
        this.setPending(known);
      }
      this.matchLate(tx.hash);
    }
    for (const r of result.replaced ?? []) {
      const known = this.byHash.get(r.oldHash);
      if (!known || known.status !== "pending" || this.byHash.has(r.hash)) continue;
      this.alias(known, r.hash);
      this.matchLate(r.hash);
    }
  }

  /**
   * Pending transactions not mined `stuckAfterBlocks` blocks and `stuckAfterMs` after they were
   * sent (or last nudged): the first `rebroadcasts` nudges send them again unchanged, later ones
   * replace them with a fee bump. Counting blocks the coordinator has seen, not only time, keeps an
   * overloaded run (slow answers, late block following) from nudging what is merely slow.
   */
  takeStuck(now: number, head: number, stuckAfterMs: number, stuckAfterBlocks: number, rebroadcasts: number): StuckTransactions {
    const stuck: StuckTransactions = { rebroadcast: new Map(), replace: new Map() };
    for (const tx of this.pending) {
      if (now - Math.max(tx.sentAt, tx.lastNudgeAt) < stuckAfterMs || head - tx.sinceBlock < stuckAfterBlocks) continue;
      tx.nudges += 1;
      tx.lastNudgeAt = now;
      tx.sinceBlock = head;
      const into = tx.nudges <= rebroadcasts ? stuck.rebroadcast : stuck.replace;
      if (into === stuck.rebroadcast) this.rebroadcasts += 1;
      into.set(tx.account, [...(into.get(tx.account) ?? []), tx.nonce]);
    }
    return stuck;
  }

  /** Pending nonces per account address: what the end of a run closes. */
  pendingByAccount(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const tx of this.pending) out.set(tx.account, [...(out.get(tx.account) ?? []), tx.nonce]);
    return out;
  }

  /** A burst whose account object failed to answer: nothing of it is known to have been sent. */
  recordLostBurst(errorClass: SendErrorClass): void {
    this.countError(errorClass);
  }

  /** A block poll that got no answer. */
  recordLostPoll(errorClass: SendErrorClass): void {
    this.countError(errorClass);
  }

  /** A new block was seen at `seenAt`: its load transactions are confirmed, latency send → seen. */
  recordBlock(block: BlockHeader, seenAt: number): number {
    this.head = Math.max(this.head, block.number);
    this.blockCount += 1;
    this.totalGasUsed += block.gasUsed;
    this.totalGasLimit += block.gasLimit;
    this.second.gasUsed += block.gasUsed;
    this.second.gasLimit += block.gasLimit;
    let matched = 0;
    for (const hash of block.transactions) {
      if (this.confirm(hash, block.number, seenAt)) matched += 1;
      else if (!this.byHash.has(hash)) this.unmatched.set(hash, { blockNumber: block.number, seenAt });
    }
    this.forgetOldUnmatched(block.number);
    this.inclusions.push({ at: seenAt, count: matched });
    this.peakTps = Math.max(this.peakTps, this.currentTps(seenAt));
    return matched;
  }

  /**
   * A late report arrives within seconds of its block; other senders' hashes on a shared chain
   * would otherwise pile up for the whole run. Map order is insertion order, i.e. block order.
   */
  private forgetOldUnmatched(head: number): void {
    for (const [hash, seen] of this.unmatched) {
      if (seen.blockNumber > head - UNMATCHED_KEEP_BLOCKS) break;
      this.unmatched.delete(hash);
    }
  }

  private track(hash: string, tx: Omit<TxRecord, "hashes" | "status" | "nudges" | "lastNudgeAt" | "sinceBlock">, status: "pending" | "failed", error?: string): void {
    const record: TxRecord = { ...tx, hashes: [hash], status, nudges: 0, lastNudgeAt: 0, sinceBlock: this.head };
    this.byHash.set(hash, record);
    this.countSent();
    if (status === "pending") {
      this.pending.add(record);
      this.pendingByNonce.set(nonceKey(record.account, record.nonce), record);
    }
    else {
      this.txFailed += 1;
      this.second.failed += 1;
      this.log(record, hash, { error: error ?? null });
    }
  }

  private alias(record: TxRecord, hash: string): void {
    record.hashes.push(hash);
    this.byHash.set(hash, record);
    this.replacements += 1;
  }

  private unsetPending(record: TxRecord): void {
    this.pending.delete(record);
    const key = nonceKey(record.account, record.nonce);
    if (this.pendingByNonce.get(key) === record) this.pendingByNonce.delete(key);
  }

  private setPending(record: TxRecord): void {
    record.status = "pending";
    record.sinceBlock = this.head;
    this.pendingByNonce.set(nonceKey(record.account, record.nonce), record);
    this.pending.add(record);
  }

  /** A hash reported after its block was seen (answer lost and recovered while it got mined). */
  private matchLate(hash: string): void {
    const mined = this.unmatched.get(hash);
    if (!mined || !this.confirm(hash, mined.blockNumber, mined.seenAt)) return;
    // Counted with its block in the rolling window, if that block is still in it.
    const entry = this.inclusions.findLast((i) => i.at === mined.seenAt);
    if (entry) entry.count += 1;
  }

  /**
   * Marks the record of a mined hash confirmed; false if the hash is not one of ours. Failed and
   * discarded records are confirmed too: a request delayed on its way can reach the node after the
   * node had said it did not know it. The chain is the judge.
   */
  private confirm(hash: string, blockNumber: number, seenAt: number): boolean {
    const tx = this.byHash.get(hash);
    if (!tx || tx.status === "confirmed") return false;
    if (tx.status === "failed") this.txFailed -= 1;
    if (tx.status === "discarded") this.txDiscarded -= 1;
    this.unsetPending(tx);
    tx.status = "confirmed";
    this.unmatched.delete(hash);
    recordLatency(this.confirmLatency, seenAt - tx.sentAt);
    this.regionConfirmed[tx.region] = (this.regionConfirmed[tx.region] ?? 0) + 1;
    this.log(tx, hash, { confirmedAt: seenAt, blockNumber });
    this.txConfirmed += 1;
    this.second.confirmed += 1;
    return true;
  }

  private log(tx: TxRecord, hash: string, fields: Partial<TxLog>): void {
    // One row per transaction: a replaced one is logged under its first hash, with the mined one.
    const first = tx.hashes[0];
    const error = fields.error ?? (hash !== first ? `replaced by ${hash}` : null);
    this.logs.push({
      hash: first,
      account: tx.account,
      nonce: tx.nonce,
      region: tx.region,
      sentAt: tx.sentAt,
      confirmedAt: fields.confirmedAt ?? null,
      blockNumber: fields.blockNumber ?? null,
      status: tx.status,
      error,
    });
  }

  /** Included per second over the last five seconds (or since the start, if shorter). */
  currentTps(now: number): number {
    while (this.inclusions.length > 0 && this.inclusions[0].at <= now - ROLLING_WINDOW_MS) this.inclusions.shift();
    const included = this.inclusions.reduce((sum, i) => sum + i.count, 0);
    const windowMs = Math.min(ROLLING_WINDOW_MS, Math.max(1_000, now - this.startedAt));
    return Math.round((included * 1000 * 100) / windowMs) / 100;
  }

  /** What is still pending after the grace period will not be counted as included. */
  discardPending(): void {
    for (const tx of this.pending) {
      tx.status = "discarded";
      this.txDiscarded += 1;
      this.log(tx, tx.hashes[0], { error: "not included within the grace period" });
    }
    this.pending.clear();
    this.pendingByNonce.clear();
  }

  /** Closes the current second if `now` is past it; returns the closed seconds' totals. */
  closeSeconds(now: number): SecondTotals[] {
    const current = Math.floor((now - this.startedAt) / 1000);
    const closed: SecondTotals[] = [];
    while (this.second.second < current) {
      closed.push(this.second);
      this.second = this.freshSecond(this.second.second + 1);
    }
    return closed;
  }

  /** Final transaction records not yet written to D1. */
  takeLogs(): TxLog[] {
    const logs = this.logs;
    this.logs = [];
    return logs;
  }

  /** Records whose write failed go back to the front of the queue. */
  requeueLogs(logs: TxLog[]): void {
    this.logs = logs.concat(this.logs);
  }

  private countError(errorClass: SendErrorClass, n = 1): void {
    this.errors[errorClass] = (this.errors[errorClass] ?? 0) + n;
  }

  private countSent(): void {
    this.txSent += 1;
    this.second.sent += 1;
  }

  private freshSecond(second: number): SecondTotals {
    return { second, sent: 0, confirmed: 0, failed: 0, gasUsed: 0n, gasLimit: 0n };
  }
}
