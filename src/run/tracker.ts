/**
 * What a run has done so far: counters, the transactions awaiting inclusion, latency sketches,
 * block figures and the per-second series. Plain state and pure updates; the coordinator owns one
 * and feeds it burst results and blocks as they arrive.
 *
 * Memory is bounded by accounts and time, never by the number of transactions: a record lives
 * while its transaction is pending (or failed with its nonce not yet reused, or discarded at the
 * end); once mined it is folded into counters and sketches and the account's mined watermark
 * (every nonce below it is mined, chain order guarantees it), and forgotten. A report about a
 * nonce below the watermark is about something already counted.
 *
 * The coordinator persists the tracker at every tick: `snapshot()` (counters, sketches, the
 * current second) and `takeChanges()` (records and watermarks changed since the last call), and
 * rebuilds it with `RunTracker.restore()` after a restart.
 *
 * Records are stored by the page, not one row each (issue 9: no per-transaction storage write on
 * the hot path): the records a tick reported that are still live at its checkpoint go into new
 * pages, as they are then. A record changed after its page was written (nudged, failed, replaced,
 * discarded) gets an overlay row, which replaces its page's copy on restore. A record forgotten
 * while its page still holds others joins that page's gone list (one row per page and checkpoint,
 * however many it lists). A page goes, with its overlays and gone lists, once all its records are
 * forgotten. Most transactions are reported and mined within a few ticks and never get a row of
 * their own.
 */
import type { SendErrorClass } from "../errors";
import type { BurstResult } from "../account/send-burst";
import type { BlockBuild } from "../feeds/block-metrics-messages";
import type { BlockHeader, MinedReceipt } from "../chain/node-queries";
import type { TransactionType } from "../tx/types";
import { emptySketch, mergeSketch, recordLatency, type SketchData } from "../metrics/latency-sketch";
import { FeedWord, type FeedEvent, type FeedWordSnapshot } from "./feed-word";
import { MinedNonces, type MinedNoncesData } from "./mined-nonces";
import { restoreRegionTotals, totalsOf, type RegionCounter, type RegionTotals } from "./region-figures";

export type TxStatus = "pending" | "confirmed" | "failed" | "discarded";

export interface TxLog {
  hash: string;
  account: string;
  nonce: number;
  region: string;
  sentAt: number;
  /** When a builder feed first preconfirmed it (null: no feed, or not preconfirmed). */
  preconfirmedAt: number | null;
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
  /** Preconfirmation latencies of the transactions first preconfirmed in this second. */
  preconf: SketchData;
  /** Blocks the builder's block-metrics feed reported in this second: how many, their build times and transactions. */
  builds?: { count: number; timedCount: number; buildMsSum: number; txCount: number };
}

/** One logical transaction: a nonce of an account, under every hash it was sent as. Plain JSON, persisted as is. */
export interface TxRecord {
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
  /** Gap fill or closing self-transfer: counted in `housekeeping`, not as load. */
  housekeeping: boolean;
  /** The load type (absent for housekeeping, and for records of an older version). */
  type?: TransactionType;
  /** When a builder feed first preconfirmed it (feed-word.ts); absent without feeds. */
  preconfAt?: number;
  /** When a builder feed said it was included, if that came before the block poll saw it. */
  feedConfirmedAt?: number;
  /** Which feeds preconfirmed it so far (feed-word.ts), each measured once. */
  preconfBy?: number;
  /** The storage page it was written on (absent until its first checkpoint, and in older checkpoints). */
  page?: number;
}

/** Per transaction type: what TestMetrics `byType` reports. */
export interface TypeCounts {
  sent: number;
  confirmed: number;
  /** Failed, reverted included. */
  failed: number;
  reverted: number;
  discarded: number;
  /** Gas of the mined ones whose receipts were read, and how many those were. */
  gasUsed: string;
  gasCounted: number;
}

type TxIdentity = Pick<TxRecord, "account" | "nonce" | "region" | "sentAt" | "housekeeping" | "type">;
/** Where and how a hash was mined; the receipt when the run reads receipts. */
type Mined = { blockNumber: number; seenAt: number; receipt?: MinedReceipt };

/** Everything of a tracker but its records and watermarks, as plain JSON. */
export interface TrackerSnapshot {
  startedAt: number;
  head: number;
  txSent: number;
  txConfirmed: number;
  txFailed: number;
  txDiscarded: number;
  housekeeping: { sent: number; confirmed: number };
  errors: Partial<Record<SendErrorClass, number>>;
  retries: Partial<Record<SendErrorClass, number>>;
  /** Signed too late to leave before the end of sending, and not sent (absent in older checkpoints). */
  unsentAtEnd?: number;
  sendLatency: SketchData;
  confirmLatency: SketchData;
  /** Per region: load counters and send/confirm sketches (bounded by regions). */
  regions?: Record<string, RegionTotals>;
  /** Older builds kept only confirmed counts per region; read on restore, no longer written. */
  regionConfirmed?: Record<string, number>;
  blockCount: number;
  totalGasUsed: string;
  totalGasLimit: string;
  peakTps: number;
  lastMinedAt: number;
  rebroadcasts: number;
  replacements: number;
  reverted?: number;
  byType?: Partial<Record<TransactionType, TypeCounts>>;
  tipCounts?: number[];
  /** The builder feeds' word on the run's transactions (absent in older checkpoints and without feeds). */
  feeds?: FeedWordSnapshot;
  /** The next storage page's number (absent in older checkpoints). */
  nextPage?: number;
  second: { second: number; sent: number; confirmed: number; failed: number; gasUsed: string; gasLimit: string; preconf?: SketchData; builds?: SecondTotals["builds"] };
}

/**
 * What changed since the last `takeChanges()`: new pages of records, the first hashes of paged
 * records forgotten (by page), pages to drop whole, overlays to store (by `overlayKey`) or drop,
 * and watermarks. Pages to drop go last: nothing else in the same changes refers to them.
 */
export interface TrackerChanges {
  pages: Array<{ page: number; records: TxRecord[] }>;
  gone: Array<{ page: number; hashes: string[] }>;
  dropPages: number[];
  put: TxRecord[];
  drop: string[];
  watermarks: Array<[account: string, mined: MinedNoncesData]>;
}

/** Which overlay row holds a paged record's newer state: its page and first hash (a record of an older checkpoint: its first hash). */
export const overlayKey = (record: Pick<TxRecord, "page" | "hashes">): string => (record.page === undefined ? record.hashes[0] : `${record.page}:${record.hashes[0]}`);

export interface StuckTransactions {
  /** Per account address: nonces to send again unchanged. */
  rebroadcast: Map<string, number[]>;
  /** Per account address: nonces to replace with a fee bump. */
  replace: Map<string, number[]>;
}

const ROLLING_WINDOW_MS = 5_000;
/** Records per storage page: a page is one row, well under SQLite's 2 MB cap on a value. */
const PAGE_RECORDS = 1_000;
const nonceKey = (account: string, nonce: number) => `${account}:${nonce}`;
/** How many blocks a mined hash not (yet) known as ours is kept for a late report. */
const UNMATCHED_KEEP_BLOCKS = 64;

export class RunTracker {
  txSent = 0;
  txConfirmed = 0;
  txFailed = 0;
  txDiscarded = 0;
  /** Gap fills and closing self-transfers: apart from the load figures (PRODUCT.md §13). */
  readonly housekeeping = { sent: 0, confirmed: 0 };
  /** Transactions whose account object signed them after the end of sending, and so did not send. */
  unsentAtEnd = 0;
  readonly errors: Partial<Record<SendErrorClass, number>> = {};
  readonly retries: Partial<Record<SendErrorClass, number>> = {};
  readonly sendLatency: SketchData = emptySketch();
  readonly confirmLatency: SketchData = emptySketch();
  /** Per region of the sending account: load counters and latency sketches (TestMetrics `regions`). */
  readonly regions: Record<string, RegionTotals> = {};
  blockCount = 0;
  totalGasUsed = 0n;
  totalGasLimit = 0n;
  peakTps = 0;
  /** Stuck-transaction handling: unchanged re-broadcasts asked for, fee-bumped replacements accepted. */
  rebroadcasts = 0;
  replacements = 0;
  /** When a transaction of the run, load or housekeeping, was last seen mined: is a backlog still draining? */
  lastMinedAt = 0;
  /** Load mined with a failed execution: in `txFailed` (class `reverted`), and on chain. */
  reverted = 0;
  readonly byType: Partial<Record<TransactionType, TypeCounts>> = {};
  /** Tips drawn, per histogram bucket (realistic pattern). */
  tipCounts: number[] = [];
  /** What the builder feeds said of the run's transactions: preconf latency, revocations, drops. */
  feeds = new FeedWord();

  /** The highest block seen. */
  private head = 0;
  /** Every live record under each of its hashes: pending, failed (nonce not yet reused), discarded. */
  private readonly byHash = new Map<string, TxRecord>();
  private readonly pending = new Set<TxRecord>();
  /** How many of `pending` are housekeeping: `txPending` counts load only. */
  private pendingHousekeeping = 0;
  private readonly pendingByNonce = new Map<string, TxRecord>();
  private readonly failed = new Set<TxRecord>();
  /** The latest failed record per account nonce: an account refused again and again re-signs the same nonces. */
  private readonly failedByNonce = new Map<string, TxRecord>();
  /** Per account: the nonces counted as mined. */
  private readonly mined = new Map<string, MinedNonces>();
  /** Mined hashes not (yet) known as ours: a report that arrives after its block still matches. */
  private readonly unmatched = new Map<string, Mined>();
  private readonly inclusions: Array<{ at: number; count: number }> = [];
  private logs: TxLog[] = [];
  private second: SecondTotals;
  /** Persistence: overlays (by `overlayKey`) and accounts changed since the last `takeChanges()`. */
  private readonly dirty = new Map<string, TxRecord | null>();
  private readonly dirtyWatermarks = new Set<string>();
  /** Live records not on a page yet: the next `takeChanges()` pages them as they are then. */
  private readonly fresh = new Set<TxRecord>();
  /** Per stored page: how many of its records are still live. */
  private readonly pageLive = new Map<number, number>();
  private droppedPages: number[] = [];
  /** Per page that lives on: the first hashes of its records forgotten since the last `takeChanges()`. */
  private gone = new Map<number, string[]>();
  private nextPage = 1;

  constructor(
    readonly startedAt: number,
    startBlock = 0,
    /** Per lower-cased account: its first nonce of the run (nonces below are an earlier run's). */
    private readonly startNonces = new Map<string, number>(),
  ) {
    this.second = this.freshSecond(0);
    this.head = startBlock;
  }

  /** Load transactions awaiting inclusion (TestMetrics `txPending`). */
  get txPending(): number {
    return this.pending.size - this.pendingHousekeeping;
  }

  /** Load and housekeeping transactions awaiting inclusion: what the stop sequence waits for. */
  get awaitingInclusion(): number {
    return this.pending.size;
  }

  /** Every nonce of `account` below this is mined. */
  minedBelow(account: string): number {
    return this.mined.get(account.toLowerCase())?.minedBelow ?? 0;
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
    mergeSketch(totalsOf(this.regions, region).sendLatency, result.sendLatency);
    for (const [errorClass, n] of Object.entries(result.attemptErrors)) this.countError(errorClass as SendErrorClass, n ?? 0);
    for (const [errorClass, n] of Object.entries(result.retries)) this.retries[errorClass as SendErrorClass] = (this.retries[errorClass as SendErrorClass] ?? 0) + (n ?? 0);
    this.unsentAtEnd += result.unsent ?? 0;
    result.tips?.forEach((n, i) => (this.tipCounts[i] = (this.tipCounts[i] ?? 0) + n));
    const account = result.address.toLowerCase();
    for (const tx of result.failed) {
      if (this.matchLate(tx.hash, { account, nonce: tx.nonce, region, sentAt: tx.sentAt, housekeeping: tx.housekeeping === true, type: tx.type })) continue;
      const known = this.byHash.get(tx.hash);
      const error = `${tx.errorClass}: ${tx.message}`.slice(0, 500);
      if (known) {
        if (known.status === "pending") this.fail(known, tx.hash, error);
      } else if (!this.isCounted(account, tx.nonce)) {
        this.track(tx.hash, { account, nonce: tx.nonce, region, sentAt: tx.sentAt, housekeeping: tx.housekeeping === true, type: tx.type }, "failed", error);
      }
    }
    for (const tx of result.sent) {
      if (this.matchLate(tx.hash, { account, nonce: tx.nonce, region, sentAt: tx.sentAt, housekeeping: tx.housekeeping === true, type: tx.type })) continue;
      const known = this.byHash.get(tx.hash);
      if (known) {
        if (known.status === "failed") this.unfail(known);
        continue;
      }
      // The nonce is counted as mined already, under this hash or another.
      if (this.isCounted(account, tx.nonce)) continue;
      // A new hash for a nonce still pending is a replacement whose own answer was lost; a closing
      // self-transfer is not a replacement of the load it closes (that one was discarded first).
      const sameNonce = this.pendingByNonce.get(nonceKey(account, tx.nonce));
      if (sameNonce && sameNonce.housekeeping === (tx.housekeeping === true)) this.alias(sameNonce, tx.hash);
      else this.track(tx.hash, { account, nonce: tx.nonce, region, sentAt: tx.sentAt, housekeeping: tx.housekeeping === true, type: tx.type }, "pending");
    }
    for (const r of result.replaced ?? []) {
      const known = this.byHash.get(r.oldHash);
      if (!known || known.status !== "pending" || this.byHash.has(r.hash)) continue;
      this.alias(known, r.hash);
      const mined = this.unmatched.get(r.hash);
      if (mined) this.confirmAt(known, r.hash, mined);
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
    const nudged: TxRecord[] = [];
    // `pending` is in the order records became pending or were last nudged (after a restart: the
    // order they fall due), nearly the order they fall due: the first not due ends the scan, so a
    // tick costs what it nudges, not what is in flight. One reported out of order waits for those
    // before it: as long as its answer came late (a lost answer collected later: up to stuckAfterMs).
    for (const tx of this.pending) {
      if (now - Math.max(tx.sentAt, tx.lastNudgeAt) < stuckAfterMs || head - tx.sinceBlock < stuckAfterBlocks) break;
      nudged.push(tx);
      tx.nudges += 1;
      tx.lastNudgeAt = now;
      tx.sinceBlock = head;
      this.touch(tx);
      const into = tx.nudges <= rebroadcasts ? stuck.rebroadcast : stuck.replace;
      if (into === stuck.rebroadcast) this.rebroadcasts += 1;
      const nonces = into.get(tx.account);
      if (nonces) nonces.push(tx.nonce);
      else into.set(tx.account, [tx.nonce]);
    }
    // Nudged: due again last.
    for (const tx of nudged) {
      this.pending.delete(tx);
      this.pending.add(tx);
    }
    // Each account's in nonce order, as they are sent again.
    for (const nonces of [...stuck.rebroadcast.values(), ...stuck.replace.values()]) nonces.sort((a, b) => a - b);
    return stuck;
  }

  /** Pending nonces per account address: what the end of a run closes. */
  pendingByAccount(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const tx of this.pending) {
      const nonces = out.get(tx.account);
      if (nonces) nonces.push(tx.nonce);
      else out.set(tx.account, [tx.nonce]);
    }
    return out;
  }

  /**
   * Builder feed events (preconfirmation feed, flashblocks), in the order received. An event about a
   * transaction not reported yet waits for its report; one about a transaction already counted as
   * mined (and forgotten) changes nothing and ages out with the builder's other traffic.
   */
  recordFeedEvents(events: FeedEvent[]): void {
    for (const event of events) {
      const record = this.byHash.get(event.hash);
      if (record) this.applyFeedEvent(record, event);
      // A `confirmed` about a hash not tracked is nearly always one the block poll counted first
      // (its record is gone): holding it would only count it unmatched later.
      else if (event.status !== "confirmed") this.feeds.hold(event);
    }
  }

  private applyFeedEvent(record: TxRecord, event: FeedEvent): void {
    if (record.status === "confirmed") return;
    const wasPreconfirmed = record.preconfAt !== undefined;
    if (!this.feeds.apply(record, event)) return;
    if (!wasPreconfirmed && record.preconfAt !== undefined) recordLatency(this.second.preconf, Math.max(0, record.preconfAt - record.sentAt));
    this.touch(record);
  }

  /** Events that arrived before `hash` was reported apply now. */
  private replayFeedEvents(record: TxRecord, hash: string): void {
    for (const event of this.feeds.release(hash)) this.applyFeedEvent(record, event);
  }

  /** A block the builder's block-metrics feed reported: into this second's build figures. */
  recordBlockBuild(build: Pick<BlockBuild, "buildTimeMs" | "txCount">): void {
    const b = (this.second.builds ??= { count: 0, timedCount: 0, buildMsSum: 0, txCount: 0 });
    b.count += 1;
    b.txCount += build.txCount ?? 0;
    if (build.buildTimeMs !== null) {
      b.timedCount += 1;
      b.buildMsSum += build.buildTimeMs;
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

  /**
   * A new block was seen at `seenAt`: its load transactions are confirmed, latency send → seen.
   * With `receipts` (runs whose types can revert), a reverted one is counted failed instead.
   */
  recordBlock(block: BlockHeader, seenAt: number, receipts?: Map<string, MinedReceipt>): number {
    this.head = Math.max(this.head, block.number);
    this.blockCount += 1;
    this.totalGasUsed += block.gasUsed;
    this.totalGasLimit += block.gasLimit;
    this.second.gasUsed += block.gasUsed;
    this.second.gasLimit += block.gasLimit;
    const matched = this.matchBlock(block, seenAt, receipts);
    this.inclusions.push({ at: seenAt, count: matched });
    this.peakTps = Math.max(this.peakTps, this.currentTps(seenAt));
    return matched;
  }

  /**
   * A block already counted, seen again after a restart: only remembers its hashes for late
   * reports (and confirms any of ours it holds), without counting the block a second time.
   */
  rememberBlock(block: BlockHeader, seenAt: number, receipts?: Map<string, MinedReceipt>): void {
    this.matchBlock(block, seenAt, receipts);
  }

  private matchBlock(block: BlockHeader, seenAt: number, receipts?: Map<string, MinedReceipt>): number {
    let matched = 0;
    for (const hash of block.transactions) {
      const tx = this.byHash.get(hash);
      const mined: Mined = { blockNumber: block.number, seenAt, receipt: receipts?.get(hash) };
      if (tx && tx.status !== "confirmed") {
        // The rolling rate is load's: housekeeping is mined, but not counted in it.
        if (this.confirm(tx, hash, mined) && !tx.housekeeping) matched += 1;
      } else if (!tx) this.unmatched.set(hash, mined);
    }
    this.forgetOldUnmatched(block.number);
    return matched;
  }

  /**
   * A failed transaction whose nonce is below its account's watermark can never be mined any more
   * (another transaction took the nonce): its record goes. Called once a tick.
   */
  forgetSettled(): void {
    for (const tx of this.failed) if (tx.nonce < this.minedBelow(tx.account)) this.forget(tx);
  }

  private isCounted(account: string, nonce: number): boolean {
    const mined = this.mined.get(account);
    return mined ? mined.counted(nonce) : nonce < (this.startNonces.get(account) ?? 0);
  }

  /** Records held in memory: what the memory bound is measured by. */
  get liveRecords(): number {
    return new Set(this.byHash.values()).size;
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

  private track(hash: string, tx: TxIdentity, status: "pending" | "failed", error?: string): TxRecord {
    const record: TxRecord = { ...tx, hashes: [hash], status, nudges: 0, lastNudgeAt: 0, sinceBlock: this.head };
    this.byHash.set(hash, record);
    this.countSent(record);
    this.fresh.add(record);
    if (status === "pending") this.setPending(record);
    else this.fail(record, hash, error ?? null, false);
    this.replayFeedEvents(record, hash);
    return record;
  }

  private alias(record: TxRecord, hash: string): void {
    record.hashes.push(hash);
    this.byHash.set(hash, record);
    this.replacements += 1;
    this.touch(record);
    this.replayFeedEvents(record, hash);
  }

  /** Moves a record to failed; `wasPending` false for one that is new. */
  private fail(record: TxRecord, hash: string, error: string | null, wasPending = true): void {
    if (wasPending) this.unsetPending(record);
    record.status = "failed";
    // One failed record per nonce is enough to catch late bytes: the older one stays counted, forgotten.
    const key = nonceKey(record.account, record.nonce);
    const older = this.failedByNonce.get(key);
    if (older && older !== record) this.forget(older);
    this.failedByNonce.set(key, record);
    this.failed.add(record);
    if (!record.housekeeping) {
      this.txFailed += 1;
      this.second.failed += 1;
      this.countType(record, "failed", 1);
    }
    this.log(record, hash, { error });
    this.touch(record);
  }

  /** Its very bytes reached the node after all: failed → pending. */
  private unfail(record: TxRecord): void {
    this.unsetFailed(record);
    if (!record.housekeeping) {
      this.txFailed -= 1;
      this.countType(record, "failed", -1);
    }
    this.setPending(record);
    this.touch(record);
  }

  private unsetFailed(record: TxRecord): void {
    this.failed.delete(record);
    const key = nonceKey(record.account, record.nonce);
    if (this.failedByNonce.get(key) === record) this.failedByNonce.delete(key);
  }

  private unsetPending(record: TxRecord): void {
    if (this.pending.delete(record) && record.housekeeping) this.pendingHousekeeping -= 1;
    const key = nonceKey(record.account, record.nonce);
    if (this.pendingByNonce.get(key) === record) this.pendingByNonce.delete(key);
  }

  private setPending(record: TxRecord): void {
    record.status = "pending";
    record.sinceBlock = this.head;
    this.pendingByNonce.set(nonceKey(record.account, record.nonce), record);
    if (!this.pending.has(record) && record.housekeeping) this.pendingHousekeeping += 1;
    this.pending.add(record);
  }

  /**
   * A hash reported after its block was seen (answer lost and recovered while it got mined): it is
   * counted sent if new, and confirmed with its block's figures. True if it was such a hash.
   */
  private matchLate(hash: string, tx: TxIdentity): boolean {
    const mined = this.unmatched.get(hash);
    if (!mined || this.isCounted(tx.account, tx.nonce)) return false;
    const record = this.byHash.get(hash) ?? this.track(hash, tx, "pending");
    this.confirmAt(record, hash, mined);
    return true;
  }

  private confirmAt(record: TxRecord, hash: string, mined: Mined): void {
    if (!this.confirm(record, hash, mined)) return;
    // Counted with its block in the rolling window, if that block is still in it.
    const entry = this.inclusions.findLast((i) => i.at === mined.seenAt);
    if (entry && !record.housekeeping) entry.count += 1;
  }

  /**
   * Marks a record confirmed, folds it into the figures and forgets it. Failed and discarded
   * records are confirmed too: a request delayed on its way can reach the node after the node had
   * said it did not know it. The chain is the judge.
   */
  private confirm(tx: TxRecord, hash: string, { blockNumber, seenAt, receipt }: Mined): boolean {
    if (tx.status === "confirmed") return false;
    this.lastMinedAt = Math.max(this.lastMinedAt, seenAt);
    if (!tx.housekeeping && tx.status === "failed") {
      this.txFailed -= 1;
      this.countType(tx, "failed", -1);
    }
    if (!tx.housekeeping && tx.status === "discarded") {
      this.txDiscarded -= 1;
      this.countType(tx, "discarded", -1);
    }
    this.unsetPending(tx);
    tx.status = "confirmed";
    this.unmatched.delete(hash);
    const account = tx.account;
    const mined = this.mined.get(account) ?? new MinedNonces({ contiguous: this.startNonces.get(account) ?? 0, above: [] });
    this.mined.set(account, mined);
    mined.add(tx.nonce);
    this.dirtyWatermarks.add(account);
    if (receipt && !tx.housekeeping) this.countGas(tx, receipt);
    if (tx.housekeeping) {
      this.housekeeping.confirmed += 1;
    } else if (receipt?.reverted) {
      // On chain, its nonce used; but the load did not happen: a failure, never a confirmation.
      this.reverted += 1;
      this.txFailed += 1;
      this.second.failed += 1;
      this.countError("reverted");
      this.countType(tx, "failed", 1);
      this.countType(tx, "reverted", 1);
      tx.status = "failed";
      this.log(tx, hash, { confirmedAt: seenAt, blockNumber, error: "reverted: the transaction was mined but its execution failed" });
      this.forget(tx);
      return false;
    } else {
      // Inclusion as first reported: by a builder feed's `confirmed`, or by the block poll.
      const includedAt = this.feeds.inclusionAt(tx, seenAt);
      recordLatency(this.confirmLatency, includedAt - tx.sentAt);
      recordLatency(totalsOf(this.regions, tx.region).confirmLatency, includedAt - tx.sentAt);
      this.txConfirmed += 1;
      this.second.confirmed += 1;
      this.countType(tx, "confirmed", 1);
    }
    this.log(tx, hash, { confirmedAt: seenAt, blockNumber });
    this.forget(tx);
    return true;
  }

  /** Drops a record from memory (and, as its page and overlay allow, from storage). */
  private forget(tx: TxRecord): void {
    for (const h of tx.hashes) if (this.byHash.get(h) === tx) this.byHash.delete(h);
    this.unsetFailed(tx);
    this.unsetPending(tx);
    const page = tx.page;
    if (this.fresh.delete(tx) || page === undefined) return;
    // Gone: its overlay, if one waits for this checkpoint, is not written.
    this.dirty.delete(overlayKey(tx));
    const left = (this.pageLive.get(page) ?? 1) - 1;
    if (left > 0) {
      this.pageLive.set(page, left);
      const gone = this.gone.get(page);
      if (gone) gone.push(tx.hashes[0]);
      else this.gone.set(page, [tx.hashes[0]]);
    } else {
      // The page goes whole, with its overlays and gone lists.
      this.pageLive.delete(page);
      this.gone.delete(page);
      this.droppedPages.push(page);
    }
  }

  /** A paged record changed: its overlay is written with the next checkpoint (a fresh one is paged as it is then). */
  private touch(tx: TxRecord): void {
    if (this.fresh.has(tx)) return;
    this.dirty.set(overlayKey(tx), tx);
  }

  private log(tx: TxRecord, hash: string, fields: Partial<TxLog>): void {
    // Housekeeping is not load: it has no row among the run's transactions.
    if (tx.housekeeping) return;
    // One row per transaction: a replaced one is logged under its first hash, with the mined one.
    const first = tx.hashes[0];
    const error = fields.error ?? (hash !== first ? `replaced by ${hash}` : null);
    this.logs.push({
      hash: first,
      account: tx.account,
      nonce: tx.nonce,
      region: tx.region,
      sentAt: tx.sentAt,
      preconfirmedAt: tx.preconfAt ?? null,
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
      if (!tx.housekeeping) {
        this.txDiscarded += 1;
        this.countType(tx, "discarded", 1);
      }
      this.log(tx, tx.hashes[0], { error: "not included within the grace period" });
      this.touch(tx);
    }
    this.pending.clear();
    this.pendingByNonce.clear();
    this.pendingHousekeeping = 0;
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

  /** Records and watermarks changed since the last call, for the coordinator's checkpoint. */
  takeChanges(): TrackerChanges {
    const put: TxRecord[] = [];
    const drop: string[] = [];
    for (const [id, record] of this.dirty) {
      if (record) put.push(record);
      else drop.push(id);
    }
    this.dirty.clear();
    const pages: TrackerChanges["pages"] = [];
    const fresh = [...this.fresh];
    this.fresh.clear();
    for (let start = 0; start < fresh.length; start += PAGE_RECORDS) {
      const page = this.nextPage++;
      const records = fresh.slice(start, start + PAGE_RECORDS);
      for (const record of records) record.page = page;
      this.pageLive.set(page, records.length);
      pages.push({ page, records });
    }
    const dropPages = this.droppedPages;
    this.droppedPages = [];
    const gone = [...this.gone].map(([page, hashes]) => ({ page, hashes }));
    this.gone.clear();
    const watermarks = [...this.dirtyWatermarks].map((a): [string, MinedNoncesData] => [a, this.mined.get(a)!.toJSON()]);
    this.dirtyWatermarks.clear();
    return { pages, gone, dropPages, put, drop, watermarks };
  }

  snapshot(): TrackerSnapshot {
    const s = this.second;
    return {
      startedAt: this.startedAt,
      head: this.head,
      txSent: this.txSent,
      txConfirmed: this.txConfirmed,
      txFailed: this.txFailed,
      txDiscarded: this.txDiscarded,
      housekeeping: { ...this.housekeeping },
      errors: { ...this.errors },
      retries: { ...this.retries },
      unsentAtEnd: this.unsentAtEnd,
      sendLatency: this.sendLatency,
      confirmLatency: this.confirmLatency,
      regions: structuredClone(this.regions),
      blockCount: this.blockCount,
      totalGasUsed: this.totalGasUsed.toString(),
      totalGasLimit: this.totalGasLimit.toString(),
      peakTps: this.peakTps,
      lastMinedAt: this.lastMinedAt,
      rebroadcasts: this.rebroadcasts,
      replacements: this.replacements,
      reverted: this.reverted,
      byType: structuredClone(this.byType),
      tipCounts: [...this.tipCounts],
      feeds: this.feeds.snapshot(),
      nextPage: this.nextPage,
      second: { ...s, gasUsed: s.gasUsed.toString(), gasLimit: s.gasLimit.toString() },
    };
  }

  /**
   * The tracker a checkpoint describes: its snapshot, its live records (its pages', gone ones left
   * out and overlays applied) and its watermarks.
   */
  static restore(snapshot: TrackerSnapshot, records: TxRecord[], watermarks: Array<[string, MinedNoncesData]>, startNonces?: Map<string, number>): RunTracker {
    const t = new RunTracker(snapshot.startedAt, snapshot.head, startNonces);
    Object.assign(t, {
      txSent: snapshot.txSent,
      txConfirmed: snapshot.txConfirmed,
      txFailed: snapshot.txFailed,
      txDiscarded: snapshot.txDiscarded,
      blockCount: snapshot.blockCount,
      totalGasUsed: BigInt(snapshot.totalGasUsed),
      totalGasLimit: BigInt(snapshot.totalGasLimit),
      peakTps: snapshot.peakTps,
      lastMinedAt: snapshot.lastMinedAt ?? 0,
      rebroadcasts: snapshot.rebroadcasts,
      replacements: snapshot.replacements,
      reverted: snapshot.reverted ?? 0,
      unsentAtEnd: snapshot.unsentAtEnd ?? 0,
      tipCounts: [...(snapshot.tipCounts ?? [])],
      feeds: FeedWord.restore(snapshot.feeds),
      nextPage: snapshot.nextPage ?? 1,
    });
    Object.assign(t.byType, structuredClone(snapshot.byType ?? {}));
    Object.assign(t.housekeeping, snapshot.housekeeping);
    Object.assign(t.errors, snapshot.errors);
    Object.assign(t.retries, snapshot.retries);
    mergeSketch(t.sendLatency, snapshot.sendLatency);
    mergeSketch(t.confirmLatency, snapshot.confirmLatency);
    Object.assign(t.regions, restoreRegionTotals(snapshot.regions, snapshot.regionConfirmed));
    const s = snapshot.second;
    t.second = { ...s, gasUsed: BigInt(s.gasUsed), gasLimit: BigInt(s.gasLimit), preconf: s.preconf ?? emptySketch() };
    for (const [account, mined] of watermarks) t.mined.set(account, new MinedNonces(mined));
    const pending: TxRecord[] = [];
    for (const record of records) {
      if (record.page === undefined) {
        // A row of its own from an older checkpoint: paged afresh at the next one, its row dropped.
        t.dirty.set(overlayKey(record), null);
        t.fresh.add(record);
      } else {
        t.nextPage = Math.max(t.nextPage, record.page + 1);
        t.pageLive.set(record.page, (t.pageLive.get(record.page) ?? 0) + 1);
      }
      for (const h of record.hashes) t.byHash.set(h, record);
      if (record.status === "pending") pending.push(record);
      if (record.status === "failed") {
        t.failed.add(record);
        t.failedByNonce.set(nonceKey(record.account, record.nonce), record);
      }
    }
    // Pages hold records in the order they were first reported: `takeStuck` wants them in the order they fall due.
    const dueAt = (r: TxRecord) => Math.max(r.sentAt, r.lastNudgeAt);
    for (const record of pending.sort((a, b) => dueAt(a) - dueAt(b))) t.setPending(record);
    return t;
  }

  private countError(errorClass: SendErrorClass, n = 1): void {
    this.errors[errorClass] = (this.errors[errorClass] ?? 0) + n;
  }

  private countSent(record: TxRecord): void {
    if (record.housekeeping) {
      this.housekeeping.sent += 1;
      return;
    }
    this.txSent += 1;
    this.second.sent += 1;
    this.countType(record, "sent", 1);
  }

  private typeCounts(tx: TxRecord): TypeCounts | undefined {
    if (!tx.type) return undefined;
    return (this.byType[tx.type] ??= { sent: 0, confirmed: 0, failed: 0, reverted: 0, discarded: 0, gasUsed: "0", gasCounted: 0 });
  }

  /** Load only (housekeeping never gets here): per type, and per region for the fields regions report. */
  private countType(tx: TxRecord, field: "sent" | "confirmed" | "failed" | "reverted" | "discarded", n: number): void {
    const counts = this.typeCounts(tx);
    if (counts) counts[field] += n;
    if (field !== "reverted") totalsOf(this.regions, tx.region)[field satisfies RegionCounter] += n;
  }

  private countGas(tx: TxRecord, receipt: MinedReceipt): void {
    const counts = this.typeCounts(tx);
    if (!counts) return;
    counts.gasUsed = (BigInt(counts.gasUsed) + receipt.gasUsed).toString();
    counts.gasCounted += 1;
  }

  private freshSecond(second: number): SecondTotals {
    return { second, sent: 0, confirmed: 0, failed: 0, gasUsed: 0n, gasLimit: 0n, preconf: emptySketch() };
  }
}
