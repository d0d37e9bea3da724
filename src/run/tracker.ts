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
 * What an account reports sent in one call is held as one batch (sent-batch.ts), not one record per
 * transaction: a transaction becomes a record of its own only when something happens to it (it is
 * mined, refused, replaced, preconfirmed or discarded), and a record that is mined is forgotten at
 * once. So the objects, stored entries and stuck-transaction look-ups a tick handles grow with the
 * calls it folds, and what is left per transaction is a hash looked up when reported and when mined.
 *
 * Batches and records are stored by the page, not one row each (issue 9: no per-transaction storage
 * write on the hot path): those a tick reported that are still live at its checkpoint go into new
 * pages, as they are then. A record changed after its page was written (nudged, failed, replaced,
 * discarded) gets an overlay row, which replaces its page's copy on restore. A record forgotten
 * while its page still holds others joins that page's gone list (one row per page and checkpoint,
 * however many it lists). A page goes, with its overlays and gone lists, once all its records are
 * forgotten. Most transactions are reported and mined within a few ticks and never get a row of
 * their own. A batch's transaction mined after its page was written leaves no row either: a restore
 * drops every slot whose nonce the stored watermarks count as mined (a slot whose nonce another
 * transaction took, or a hole closed over, is split out as a record first, and so kept).
 */
import type { SendErrorClass } from "../errors";
import type { BurstResult, SentTx } from "../account/send-burst";
import type { BlockBuild } from "../feeds/block-metrics-messages";
import type { BlockHeader, MinedReceipt } from "../chain/node-queries";
import type { TransactionType } from "../tx/types";
import { emptySketch, mergeSketch, recordLatency, type SketchData } from "../metrics/latency-sketch";
import { FeedWord, type FeedEvent, type FeedWordSnapshot } from "./feed-word";
import { MinedNonces, type MinedNoncesData } from "./mined-nonces";
import { restoreRegionTotals, totalsOf, type RegionCounter, type RegionTotals } from "./region-figures";
import { append, continues, emptySlot, isBatch, liveNonces, newBatch, slotAt, slotOf, slotType, type SentBatch } from "./sent-batch";

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
  /** It left a batch already on `page`: that page holds it as the batch's slot, not as a record. */
  slot?: boolean;
  /** An overlay row holds it (set when one is written, and on records read back from one). */
  row?: boolean;
}

/** What the tracker holds and stores: a batch of transactions waiting together, or one record. */
export type TxUnit = TxRecord | SentBatch;

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
  pages: Array<{ page: number; records: TxUnit[] }>;
  gone: Array<{ page: number; hashes: string[] }>;
  dropPages: number[];
  put: TxUnit[];
  drop: string[];
  watermarks: Array<[account: string, mined: MinedNoncesData]>;
}

/** Which overlay row holds a paged record's newer state: its page and first hash (a record of an older checkpoint: its first hash). */
export const overlayKey = (record: Pick<TxRecord, "page" | "hashes">): string => (record.page === undefined ? record.hashes[0] : `${record.page}:${record.hashes[0]}`);
/** The overlay row of a paged batch (a nudge changed it): apart from its first slot's own. */
export const batchOverlayKey = (batch: SentBatch): string => `${batch.page}:batch:${batch.key}`;
/** The overlay row of a paged batch or record. */
export const unitKey = (unit: TxUnit): string => (isBatch(unit) ? batchOverlayKey(unit) : overlayKey(unit));

export interface StuckTransactions {
  /** Per account address: nonces to send again unchanged. */
  rebroadcast: Map<string, number[]>;
  /** Per account address: nonces to replace with a fee bump. */
  replace: Map<string, number[]>;
}

type TypeCounter = "sent" | "confirmed" | "failed" | "reverted" | "discarded";

const ROLLING_WINDOW_MS = 5_000;
/** Records per storage page: a page is one row, well under SQLite's 2 MB cap on a value. */
const PAGE_RECORDS = 1_000;
const nonceKey = (account: string, nonce: number) => `${account}:${nonce}`;
const sizeOf = (unit: TxUnit): number => (isBatch(unit) ? unit.live : 1);

/** One account's transactions awaiting inclusion: its batches, and its pending records by nonce. */
interface Lane {
  batches: SentBatch[];
  /** No batch holds a nonce at or above this: a new nonce needs no look through the batches. */
  top: number;
  /** By `recordKey`: a load record and a housekeeping one may wait at the same nonce. */
  records: Map<number, TxRecord>;
  /** How many of `batches` are housekeeping: a mined load slot needs no look for a twin when none is. */
  housekeepingBatches: number;
  /**
   * Pending records whose key another took (a nonce given up and reused, then the first one's
   * bytes found at the node after all): one takes the key back when its holder stops waiting.
   */
  shadowed: TxRecord[];
}
const recordKey = (nonce: number, housekeeping: boolean): number => (housekeeping ? -1 - nonce : nonce);
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
  /** Every live transaction under each of its hashes: its batch, or its record (pending, failed with its nonce not yet reused, discarded). */
  private readonly byHash = new Map<string, TxUnit>();
  /** Batches and pending records, nearly in the order they fall due (takeStuck). */
  private readonly pending = new Set<TxUnit>();
  /** Transactions awaiting inclusion, and how many of them are housekeeping: `txPending` counts load only. */
  private pendingTx = 0;
  private pendingHousekeeping = 0;
  private readonly lanes = new Map<string, Lane>();
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
  private readonly dirty = new Map<string, TxUnit | null>();
  private readonly dirtyWatermarks = new Set<string>();
  /** Live batches and records not on a page yet: the next `takeChanges()` pages them as they are then. */
  private readonly fresh = new Set<TxUnit>();
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
    return this.pendingTx - this.pendingHousekeeping;
  }

  /** Load and housekeeping transactions awaiting inclusion: what the stop sequence waits for. */
  get awaitingInclusion(): number {
    return this.pendingTx;
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
      const known = this.recordOf(tx.hash);
      const error = `${tx.errorClass}: ${tx.message}`.slice(0, 500);
      if (known) {
        if (known.status === "pending") this.fail(known, tx.hash, error);
      } else if (!this.isCounted(account, tx.nonce)) {
        this.track(tx.hash, { account, nonce: tx.nonce, region, sentAt: tx.sentAt, housekeeping: tx.housekeeping === true, type: tx.type }, "failed", error);
      }
    }
    for (const tx of result.sent) {
      const housekeeping = tx.housekeeping === true;
      if (this.unmatched.has(tx.hash) && this.matchLate(tx.hash, { account, nonce: tx.nonce, region, sentAt: tx.sentAt, housekeeping, type: tx.type })) continue;
      const known = this.byHash.get(tx.hash);
      if (known) {
        if (!isBatch(known) && known.status === "failed") this.unfail(known);
        continue;
      }
      // The nonce is counted as mined already, under this hash or another.
      if (this.isCounted(account, tx.nonce)) continue;
      // A new hash for a nonce still pending is a replacement whose own answer was lost; a closing
      // self-transfer is not a replacement of the load it closes (that one was discarded first).
      const sameNonce = this.pendingAt(account, tx.nonce, housekeeping);
      if (sameNonce) this.alias(sameNonce, tx.hash);
      else this.addSent(account, region, tx, housekeeping);
    }
    for (const r of result.replaced ?? []) {
      const known = this.recordOf(r.oldHash);
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
    const nudged: TxUnit[] = [];
    // `pending` is in the order batches and records became pending or were last nudged (after a
    // restart: the order they fall due), nearly the order they fall due: the first not due ends the
    // scan, so a tick costs what it nudges, not what is in flight. One out of order waits for those
    // before it: a report whose answer came late (a lost answer collected later), or a record taken
    // out of its batch (a builder's word, a replacement) long after the batch was sent; by up to
    // stuckAfterMs.
    for (const tx of this.pending) {
      if (now - Math.max(tx.sentAt, tx.lastNudgeAt) < stuckAfterMs || head - tx.sinceBlock < stuckAfterBlocks) break;
      nudged.push(tx);
      tx.nudges += 1;
      tx.lastNudgeAt = now;
      tx.sinceBlock = head;
      this.touch(tx);
      const into = tx.nudges <= rebroadcasts ? stuck.rebroadcast : stuck.replace;
      // A batch is nudged whole: its transactions were sent together and fall due together.
      const due = isBatch(tx) ? liveNonces(tx) : [tx.nonce];
      if (into === stuck.rebroadcast) this.rebroadcasts += due.length;
      const nonces = into.get(tx.account);
      if (nonces) nonces.push(...due);
      else into.set(tx.account, due);
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
      const due = isBatch(tx) ? liveNonces(tx) : [tx.nonce];
      const nonces = out.get(tx.account);
      if (nonces) nonces.push(...due);
      else out.set(tx.account, due);
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
      const record = this.recordOf(event.hash);
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
      const unit = this.byHash.get(hash);
      const mined: Mined = { blockNumber: block.number, seenAt, receipt: receipts?.get(hash) };
      if (!unit) {
        this.unmatched.set(hash, mined);
        continue;
      }
      // Out of its batch as a record nothing else refers to: confirmed and forgotten at once.
      const wasSlot = isBatch(unit);
      const tx = wasSlot ? this.takeSlot(unit, slotOf(unit, hash)) : unit;
      if (tx.status === "confirmed") continue;
      // The rolling rate is load's: housekeeping is mined, but not counted in it.
      if (this.confirm(tx, hash, mined, wasSlot) && !tx.housekeeping) matched += 1;
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

  /** Transactions held in memory, in batches or as records: what the memory bound is measured by. */
  get liveRecords(): number {
    let live = 0;
    for (const unit of new Set(this.byHash.values())) live += sizeOf(unit);
    return live;
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
    this.countSent(record.housekeeping, record.type, record.region);
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
    // Only a failed record is in failedByNonce: a mined one is not looked up there.
    if (!this.failed.delete(record)) return;
    const key = nonceKey(record.account, record.nonce);
    if (this.failedByNonce.get(key) === record) this.failedByNonce.delete(key);
  }

  private unsetPending(record: TxRecord): void {
    if (this.pending.delete(record)) this.countPending(record.housekeeping, -1);
    const lane = this.lanes.get(record.account);
    if (!lane) return;
    const key = recordKey(record.nonce, record.housekeeping);
    if (lane.shadowed.length > 0) {
      const i = lane.shadowed.indexOf(record);
      if (i >= 0) lane.shadowed.splice(i, 1);
    }
    if (lane.records.get(key) !== record) return;
    lane.records.delete(key);
    const next = lane.shadowed.findIndex((r) => recordKey(r.nonce, r.housekeeping) === key);
    if (next >= 0) lane.records.set(key, lane.shadowed.splice(next, 1)[0]);
  }

  /** Pending from the block the tracker has seen now: the block clock of stuck detection starts again. */
  private setPending(record: TxRecord): void {
    record.sinceBlock = this.head;
    this.addPending(record);
  }

  private addPending(record: TxRecord): void {
    record.status = "pending";
    const lane = this.laneOf(record.account);
    const key = recordKey(record.nonce, record.housekeeping);
    const holder = lane.records.get(key);
    if (holder && holder !== record) lane.shadowed.push(holder);
    lane.records.set(key, record);
    if (!this.pending.has(record)) this.countPending(record.housekeeping, 1);
    this.pending.add(record);
  }

  private countPending(housekeeping: boolean, n: number): void {
    this.pendingTx += n;
    if (housekeeping) this.pendingHousekeeping += n;
  }

  private laneOf(account: string): Lane {
    let lane = this.lanes.get(account);
    if (!lane) this.lanes.set(account, (lane = { batches: [], top: 0, records: new Map(), housekeepingBatches: 0, shadowed: [] }));
    return lane;
  }

  /**
   * A new transaction awaiting inclusion: into its account's batch of this call while the batch is
   * still growing (not yet on a page), else into a new batch.
   */
  private addSent(account: string, region: string, tx: SentTx, housekeeping: boolean): void {
    const lane = this.laneOf(account);
    let batch = lane.batches.at(-1);
    if (batch && this.fresh.has(batch) && continues(batch, region, tx.sentAt, housekeeping, tx.nonce)) append(batch, tx.hash, tx.type);
    else {
      batch = newBatch({ account, region, sentAt: tx.sentAt, housekeeping, nonce: tx.nonce, hash: tx.hash, type: tx.type }, this.head);
      lane.batches.push(batch);
      if (housekeeping) lane.housekeepingBatches += 1;
      this.pending.add(batch);
      this.fresh.add(batch);
    }
    lane.top = Math.max(lane.top, tx.nonce + 1);
    this.byHash.set(tx.hash, batch);
    this.countPending(housekeeping, 1);
    this.countSent(housekeeping, tx.type, region);
    const held = this.feeds.release(tx.hash);
    if (held.length > 0) {
      const record = this.split(batch, batch.hashes.length - 1);
      for (const event of held) this.applyFeedEvent(record, event);
    }
  }

  /** The pending transaction of `account` at `nonce` of that kind (load or housekeeping), as a record. */
  private pendingAt(account: string, nonce: number, housekeeping: boolean): TxRecord | undefined {
    const lane = this.lanes.get(account);
    if (!lane) return undefined;
    const record = lane.records.get(recordKey(nonce, housekeeping));
    if (record) return record;
    if (nonce >= lane.top) return undefined;
    for (const batch of lane.batches) {
      const slot = slotAt(batch, nonce);
      if (slot >= 0 && batch.housekeeping === housekeeping) return this.split(batch, slot);
    }
    return undefined;
  }

  /** The record of `hash`: taken out of its batch if it waits in one. */
  private recordOf(hash: string): TxRecord | undefined {
    const unit = this.byHash.get(hash);
    return unit && isBatch(unit) ? this.split(unit, slotOf(unit, hash)) : unit;
  }

  /**
   * Takes a slot's transaction out of its batch as a pending record that nothing refers to yet: the
   * caller either confirms it at once (a block) or registers it (`split`). On a paged batch the
   * record stays on the batch's page, where the slot stands for it until an overlay replaces it.
   */
  private takeSlot(batch: SentBatch, slot: number): TxRecord {
    const hash = batch.hashes[slot]!;
    emptySlot(batch, slot);
    this.byHash.delete(hash);
    this.countPending(batch.housekeeping, -1);
    const record: TxRecord = {
      account: batch.account,
      nonce: batch.firstNonce + slot,
      region: batch.region,
      sentAt: batch.sentAt,
      hashes: [hash],
      status: "pending",
      nudges: batch.nudges,
      lastNudgeAt: batch.lastNudgeAt,
      sinceBlock: batch.sinceBlock,
      housekeeping: batch.housekeeping,
      type: slotType(batch, slot),
    };
    if (batch.page !== undefined) Object.assign(record, { page: batch.page, slot: true });
    if (batch.live === 0) this.dropBatch(batch);
    return record;
  }

  /** A slot's transaction as a pending record of its own, with its block clock (something is about to happen to it). */
  private split(batch: SentBatch, slot: number): TxRecord {
    const record = this.takeSlot(batch, slot);
    this.byHash.set(record.hashes[0], record);
    this.addPending(record);
    if (record.page === undefined) this.fresh.add(record);
    else this.touch(record);
    return record;
  }

  /**
   * Splits out what waits in a batch at `nonce` of `account`, now counted as mined: it is kept, as a
   * record. A slot has no twin of its own kind at its nonce (a second hash there is aliased), so
   * when the mined transaction was a slot only batches of the other kind are looked at: none, most
   * of the time.
   */
  private splitAt(account: string, nonce: number, minedSlotKind?: boolean): void {
    const lane = this.lanes.get(account);
    if (!lane || nonce >= lane.top) return;
    if (minedSlotKind === false && lane.housekeepingBatches === 0) return;
    const hits = lane.batches.filter((b) => b.housekeeping !== minedSlotKind && slotAt(b, nonce) >= 0);
    for (const batch of hits) this.split(batch, nonce - batch.firstNonce);
  }

  /** After a hole was closed over: every slot of `account` at a nonce now counted leaves its batch (rare). */
  private splitCounted(account: string): void {
    const lane = this.lanes.get(account);
    if (!lane) return;
    for (const batch of [...lane.batches]) {
      for (const n of liveNonces(batch)) if (this.isCounted(account, n)) this.split(batch, n - batch.firstNonce);
    }
  }

  /** A batch whose last transaction left: it has nothing more to say (its slots live on as records, or were mined). */
  private dropBatch(batch: SentBatch): void {
    this.pending.delete(batch);
    const lane = this.lanes.get(batch.account);
    if (lane) {
      lane.batches.splice(lane.batches.indexOf(batch), 1);
      if (batch.housekeeping) lane.housekeepingBatches -= 1;
    }
    this.fresh.delete(batch);
    if (batch.page !== undefined) this.dirty.delete(batchOverlayKey(batch));
  }

  /**
   * A hash reported after its block was seen (answer lost and recovered while it got mined): it is
   * counted sent if new, and confirmed with its block's figures. True if it was such a hash.
   */
  private matchLate(hash: string, tx: TxIdentity): boolean {
    const mined = this.unmatched.get(hash);
    if (!mined || this.isCounted(tx.account, tx.nonce)) return false;
    const record = this.recordOf(hash) ?? this.track(hash, tx, "pending");
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
  private confirm(tx: TxRecord, hash: string, { blockNumber, seenAt, receipt }: Mined, wasSlot = false): boolean {
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
    const closedHole = mined.add(tx.nonce);
    this.dirtyWatermarks.add(account);
    // A restore drops every batch slot at a counted nonce: one that is not this transaction is kept as a record.
    this.splitAt(account, tx.nonce, wasSlot ? tx.housekeeping : undefined);
    if (closedHole) this.splitCounted(account);
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
      // A batch's slot with no overlay row, at a nonce counted as mined, goes by the watermark on restore.
      if (tx.slot && !tx.row && this.isCounted(tx.account, tx.nonce)) return;
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

  /** A paged batch or record changed: its overlay is written with the next checkpoint (a fresh one is paged as it is then). */
  private touch(tx: TxUnit): void {
    if (this.fresh.has(tx)) return;
    this.dirty.set(unitKey(tx), tx);
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
    for (const unit of [...this.pending]) if (isBatch(unit)) for (const nonce of liveNonces(unit)) this.split(unit, nonce - unit.firstNonce);
    for (const tx of this.pending as Set<TxRecord>) {
      tx.status = "discarded";
      if (!tx.housekeeping) {
        this.txDiscarded += 1;
        this.countType(tx, "discarded", 1);
      }
      this.log(tx, tx.hashes[0], { error: "not included within the grace period" });
      this.touch(tx);
    }
    this.pending.clear();
    for (const lane of this.lanes.values()) {
      lane.records.clear();
      lane.shadowed.length = 0;
    }
    this.pendingTx = 0;
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
    const put: TxUnit[] = [];
    const drop: string[] = [];
    for (const [id, record] of this.dirty) {
      if (!record) drop.push(id);
      else {
        put.push(record);
        if (!isBatch(record)) record.row = true;
      }
    }
    this.dirty.clear();
    // Pages of about PAGE_RECORDS transactions, batches whole.
    const pages: TrackerChanges["pages"] = [];
    let current: { page: number; records: TxUnit[] } | undefined;
    for (const unit of this.fresh) {
      const size = sizeOf(unit);
      const live = current ? this.pageLive.get(current.page)! : 0;
      if (!current || live + size > PAGE_RECORDS) pages.push((current = { page: this.nextPage++, records: [] }));
      current.records.push(unit);
      unit.page = current.page;
      this.pageLive.set(current.page, (this.pageLive.get(current.page) ?? 0) + size);
    }
    this.fresh.clear();
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
  static restore(snapshot: TrackerSnapshot, records: TxUnit[], watermarks: Array<[string, MinedNoncesData]>, startNonces?: Map<string, number>): RunTracker {
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
    const pending: TxUnit[] = [];
    const stored = new Set<number>();
    for (const record of records) {
      if (record.page !== undefined) {
        stored.add(record.page);
        // A new page never takes a stored one's number (checkpoints of older builds took their snapshot first).
        t.nextPage = Math.max(t.nextPage, record.page + 1);
      }
      if (isBatch(record)) {
        if (t.restoreBatch(record)) pending.push(record);
        continue;
      }
      if (record.page === undefined) {
        // A row of its own from an older checkpoint: paged afresh at the next one, its row dropped.
        t.dirty.set(overlayKey(record), null);
        t.fresh.add(record);
      } else {
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
    const dueAt = (r: TxUnit) => Math.max(r.sentAt, r.lastNudgeAt);
    for (const unit of pending.sort((a, b) => dueAt(a) - dueAt(b))) {
      if (isBatch(unit)) t.pending.add(unit);
      else t.addPending(unit);
    }
    // A page whose every transaction went by the watermarks goes with the next checkpoint.
    for (const page of stored) if (!t.pageLive.has(page)) t.droppedPages.push(page);
    return t;
  }

  /**
   * A stored batch, as the last checkpoint left it: its slots at nonces the watermarks count as
   * mined are gone (mined after the batch was paged). False if none is left.
   */
  private restoreBatch(batch: SentBatch): boolean {
    batch.live = 0;
    batch.next = batch.hashes.length;
    batch.hashes.forEach((hash, slot) => {
      if (hash === null) return;
      if (this.isCounted(batch.account, batch.firstNonce + slot)) batch.hashes[slot] = null;
      else {
        batch.live += 1;
        batch.next = Math.min(batch.next, slot);
        this.byHash.set(hash, batch);
      }
    });
    if (batch.live === 0) return false;
    const lane = this.laneOf(batch.account);
    lane.batches.push(batch);
    if (batch.housekeeping) lane.housekeepingBatches += 1;
    lane.top = Math.max(lane.top, batch.firstNonce + batch.hashes.length);
    this.countPending(batch.housekeeping, batch.live);
    this.pageLive.set(batch.page!, (this.pageLive.get(batch.page!) ?? 0) + batch.live);
    return true;
  }

  private countError(errorClass: SendErrorClass, n = 1): void {
    this.errors[errorClass] = (this.errors[errorClass] ?? 0) + n;
  }

  private countSent(housekeeping: boolean, type: TransactionType | undefined, region: string): void {
    if (housekeeping) {
      this.housekeeping.sent += 1;
      return;
    }
    this.txSent += 1;
    this.second.sent += 1;
    this.countTypeOf(type, region, "sent", 1);
  }

  private typeCounts(type: TransactionType | undefined): TypeCounts | undefined {
    if (!type) return undefined;
    return (this.byType[type] ??= { sent: 0, confirmed: 0, failed: 0, reverted: 0, discarded: 0, gasUsed: "0", gasCounted: 0 });
  }

  /** Load only (housekeeping never gets here): per type, and per region for the fields regions report. */
  private countType(tx: TxRecord, field: TypeCounter, n: number): void {
    this.countTypeOf(tx.type, tx.region, field, n);
  }

  private countTypeOf(type: TransactionType | undefined, region: string, field: TypeCounter, n: number): void {
    const counts = this.typeCounts(type);
    if (counts) counts[field] += n;
    if (field !== "reverted") totalsOf(this.regions, region)[field satisfies RegionCounter] += n;
  }

  private countGas(tx: TxRecord, receipt: MinedReceipt): void {
    const counts = this.typeCounts(tx.type);
    if (!counts) return;
    counts.gasUsed = (BigInt(counts.gasUsed) + receipt.gasUsed).toString();
    counts.gasCounted += 1;
  }

  private freshSecond(second: number): SecondTotals {
    return { second, sent: 0, confirmed: 0, failed: 0, gasUsed: 0n, gasLimit: 0n, preconf: emptySketch() };
  }
}
