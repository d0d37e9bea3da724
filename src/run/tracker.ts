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

interface PendingTx {
  account: string;
  nonce: number;
  region: string;
  sentAt: number;
}

const ROLLING_WINDOW_MS = 5_000;

export class RunTracker {
  txSent = 0;
  txConfirmed = 0;
  txFailed = 0;
  txDiscarded = 0;
  readonly errors: Partial<Record<SendErrorClass, number>> = {};
  readonly sendLatency: SketchData = emptySketch();
  readonly confirmLatency: SketchData = emptySketch();
  readonly regionConfirmed: Record<string, number> = {};
  blockCount = 0;
  totalGasUsed = 0n;
  totalGasLimit = 0n;
  peakTps = 0;

  private readonly pending = new Map<string, PendingTx>();
  /** Reported failed: kept, because the chain may still prove otherwise. */
  private readonly failedTxs = new Map<string, PendingTx>();
  /** Mined hashes not (yet) known as ours: a report that arrives after its block still matches. */
  private readonly unmatched = new Map<string, { blockNumber: number; seenAt: number }>();
  /** Hashes confirmed or discarded: never counted again. */
  private readonly finalized = new Set<string>();
  private readonly inclusions: Array<{ at: number; count: number }> = [];
  private logs: TxLog[] = [];
  private second: SecondTotals;

  constructor(readonly startedAt: number) {
    this.second = this.freshSecond(0);
  }

  get txPending(): number {
    return this.pending.size;
  }

  /**
   * Folds in what an account object reports. Idempotent by hash: a transaction reported again
   * (recovered after a lost answer, re-broadcast) is counted once, and a pending one that turns
   * out to be gone moves to failed. A failed hash may be sent again later and then counts anew.
   */
  recordBurst(result: BurstResult, region: string): void {
    mergeSketch(this.sendLatency, result.sendLatency);
    for (const [errorClass, n] of Object.entries(result.attemptErrors)) this.countError(errorClass as SendErrorClass, n ?? 0);
    for (const tx of result.sent) {
      if (this.pending.has(tx.hash) || this.finalized.has(tx.hash)) continue;
      const entry = { account: result.address, nonce: tx.nonce, region, sentAt: tx.sentAt };
      // The same bytes, counted failed before and now at the node after all: one transaction.
      if (this.failedTxs.delete(tx.hash)) this.txFailed -= 1;
      else this.countSent();
      this.pending.set(tx.hash, entry);
      // Reported after its block was seen (the answer was lost and recovered while it got mined).
      const mined = this.unmatched.get(tx.hash);
      if (mined) this.confirm(tx.hash, mined.blockNumber, mined.seenAt);
    }
    for (const tx of result.failed) {
      if (this.finalized.has(tx.hash) || this.failedTxs.has(tx.hash)) continue;
      if (!this.pending.delete(tx.hash)) this.countSent();
      this.failedTxs.set(tx.hash, { account: result.address, nonce: tx.nonce, region, sentAt: tx.sentAt });
      this.txFailed += 1;
      this.second.failed += 1;
      this.logs.push({
        hash: tx.hash,
        account: result.address,
        nonce: tx.nonce,
        region,
        sentAt: tx.sentAt,
        confirmedAt: null,
        blockNumber: null,
        status: "failed",
        error: `${tx.errorClass}: ${tx.message}`.slice(0, 500),
      });
    }
  }

  /** Pending transactions sent before `before` (ms), oldest first, grouped by account. */
  pendingSince(before: number): Map<string, number[]> {
    const byAccount = new Map<string, number[]>();
    for (const tx of this.pending.values()) {
      if (tx.sentAt >= before) continue;
      byAccount.set(tx.account, [...(byAccount.get(tx.account) ?? []), tx.nonce]);
    }
    return byAccount;
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
    this.blockCount += 1;
    this.totalGasUsed += block.gasUsed;
    this.totalGasLimit += block.gasLimit;
    this.second.gasUsed += block.gasUsed;
    this.second.gasLimit += block.gasLimit;
    let matched = 0;
    for (const hash of block.transactions) {
      if (this.confirm(hash, block.number, seenAt)) matched += 1;
      else this.unmatched.set(hash, { blockNumber: block.number, seenAt });
    }
    this.inclusions.push({ at: seenAt, count: matched });
    this.peakTps = Math.max(this.peakTps, this.currentTps(seenAt));
    return matched;
  }

  /** Marks a pending (or given-up) transaction as mined; false if the hash is not one of ours. */
  private confirm(hash: string, blockNumber: number, seenAt: number): boolean {
    const tx = this.pending.get(hash) ?? this.failedTxs.get(hash);
    if (!tx) return false;
    // A transaction given up as failed can still be mined: a request delayed on its way reached
    // the node after the node had said it did not know it. The chain is the judge.
    if (this.failedTxs.delete(hash)) this.txFailed -= 1;
    else this.pending.delete(hash);
    this.finalized.add(hash);
    this.unmatched.delete(hash);
    recordLatency(this.confirmLatency, seenAt - tx.sentAt);
    this.regionConfirmed[tx.region] = (this.regionConfirmed[tx.region] ?? 0) + 1;
    this.logs.push({ ...tx, hash, confirmedAt: seenAt, blockNumber, status: "confirmed", error: null });
    this.txConfirmed += 1;
    this.second.confirmed += 1;
    return true;
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
    for (const [hash, tx] of this.pending) {
      this.finalized.add(hash);
      this.logs.push({ ...tx, hash, confirmedAt: null, blockNumber: null, status: "discarded", error: "not included within the grace period" });
    }
    this.txDiscarded += this.pending.size;
    this.pending.clear();
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
