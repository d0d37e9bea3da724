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
  private readonly inclusions: Array<{ at: number; count: number }> = [];
  private logs: TxLog[] = [];
  private second: SecondTotals;

  constructor(readonly startedAt: number) {
    this.second = this.freshSecond(0);
  }

  get txPending(): number {
    return this.pending.size;
  }

  recordBurst(result: BurstResult, region: string): void {
    this.txSent += result.attempted;
    this.second.sent += result.attempted;
    mergeSketch(this.sendLatency, result.sendLatency);
    for (const tx of result.sent) {
      this.pending.set(tx.hash, { account: result.address, nonce: tx.nonce, region, sentAt: tx.sentAt });
    }
    for (const tx of result.failed) {
      this.txFailed += 1;
      this.second.failed += 1;
      this.countError(tx.errorClass);
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
      const tx = this.pending.get(hash);
      if (!tx) continue;
      this.pending.delete(hash);
      matched += 1;
      recordLatency(this.confirmLatency, seenAt - tx.sentAt);
      this.regionConfirmed[tx.region] = (this.regionConfirmed[tx.region] ?? 0) + 1;
      this.logs.push({ ...tx, hash, confirmedAt: seenAt, blockNumber: block.number, status: "confirmed", error: null });
    }
    this.txConfirmed += matched;
    this.second.confirmed += matched;
    this.inclusions.push({ at: seenAt, count: matched });
    this.peakTps = Math.max(this.peakTps, this.currentTps(seenAt));
    return matched;
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

  private countError(errorClass: SendErrorClass): void {
    this.errors[errorClass] = (this.errors[errorClass] ?? 0) + 1;
  }

  private freshSecond(second: number): SecondTotals {
    return { second, sent: 0, confirmed: 0, failed: 0, gasUsed: 0n, gasLimit: 0n };
  }
}
