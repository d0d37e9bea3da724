/**
 * What the builder's feeds said about the run's own transactions (PRODUCT.md §8): the first word of
 * a preconfirmation (from the preconfirmation feed, or a hash's first flashblock), revocations,
 * drops and requeues, and a feed's `confirmed` when it comes before the block poll sees the block.
 *
 * A feed usually speaks before the coordinator knows the hash: the builder preconfirms within
 * milliseconds of the send, while the account object's result reaches the coordinator at its next
 * tick. Events about hashes not (yet) known wait here, by age, and are replayed when the hash is
 * reported; the builder's other traffic ages out unmatched. Plain state, persisted as JSON.
 */
import type { PreconfStatus } from "../feeds/preconf-messages";
import { emptySketch, mergeSketch, recordLatency, type SketchData } from "../metrics/latency-sketch";

/** Where a word came from: the preconfirmation WebSocket, or a flashblock's first sighting of the hash. */
export type FeedSource = "preconf" | "flashblocks";
const SOURCE_BIT: Record<FeedSource, number> = { preconf: 1, flashblocks: 2 };

export interface FeedEvent {
  hash: string;
  status: PreconfStatus;
  /** When the coordinator received it (epoch ms): latencies run from the send to here. */
  at: number;
  source: FeedSource;
  /** The flashblock index of a flashblock sighting. */
  index?: number;
}

/** The run's own transactions, as the feeds reported them (TestMetrics `builder.ours`). */
export interface FeedWordTotals {
  preconfirmed: number;
  revoked: number;
  dropped: number;
  requeued: number;
  /** A feed's `confirmed` came before the block poll saw the block: the inclusion time used. */
  confirmedFirstByFeed: number;
  /** Events about hashes never reported as ours within `EARLY_KEEP_MS`: other traffic, or lost results. */
  unmatched: number;
  /** The run's transactions by the flashblock index they were first seen in (as contender counts them). */
  byFlashblockIndex: Record<string, number>;
}

export interface FeedWordSnapshot {
  preconfLatency: SketchData;
  bySource: Record<FeedSource, SketchData>;
  totals: FeedWordTotals;
}

/**
 * How long an event about an unknown hash waits for the account object's report of it: reports
 * come within a tick or two, and within seconds even when the worker is overloaded. Only the
 * builder's other traffic waits the whole time, so this and `MAX_HELD` bound its memory.
 */
export const EARLY_KEEP_MS = 15_000;
/** Hashes held at most; the oldest go first (counted unmatched) on a builder busy with other traffic. */
export const MAX_HELD = 100_000;

/** The part of a tracked transaction the feeds' word changes. */
export interface FeedMark {
  sentAt: number;
  preconfAt?: number;
  feedConfirmedAt?: number;
  /** The sources that preconfirmed it so far, as bits of SOURCE_BIT: each is measured once. */
  preconfBy?: number;
}

/** Indices from this one up share one count (`"64+"`), as in the feed's own figures. */
const LAST_INDEX = 64;

export class FeedWord {
  readonly preconfLatency: SketchData = emptySketch();
  readonly bySource: Record<FeedSource, SketchData> = { preconf: emptySketch(), flashblocks: emptySketch() };
  readonly totals: FeedWordTotals = { preconfirmed: 0, revoked: 0, dropped: 0, requeued: 0, confirmedFirstByFeed: 0, unmatched: 0, byFlashblockIndex: {} };
  /** Revocations of ours not yet handed to the circuit breaker. */
  private revocationsUntaken = 0;
  /** Events about hashes not (yet) reported, oldest first (Map order is insertion order). */
  private readonly early = new Map<string, FeedEvent[]>();

  /**
   * One event about `mark` (a transaction of the run still tracked). True when it changed the mark
   * (the caller persists it).
   */
  apply(mark: FeedMark, event: FeedEvent): boolean {
    switch (event.status) {
      case "preconfirmed": {
        // Each source is measured once per transaction; the run's preconf latency is the first word of any.
        const bit = SOURCE_BIT[event.source];
        if ((mark.preconfBy ?? 0) & bit) return false;
        mark.preconfBy = (mark.preconfBy ?? 0) | bit;
        const latency = Math.max(0, event.at - mark.sentAt);
        recordLatency(this.bySource[event.source], latency);
        if (event.source === "flashblocks" && event.index !== undefined) {
          const key = event.index >= LAST_INDEX ? `${LAST_INDEX}+` : String(event.index);
          this.totals.byFlashblockIndex[key] = (this.totals.byFlashblockIndex[key] ?? 0) + 1;
        }
        if (mark.preconfAt === undefined) {
          recordLatency(this.preconfLatency, latency);
          this.totals.preconfirmed += 1;
          mark.preconfAt = event.at;
        }
        return true;
      }
      case "confirmed":
        if (mark.feedConfirmedAt !== undefined && mark.feedConfirmedAt <= event.at) return false;
        mark.feedConfirmedAt = event.at;
        return true;
      case "revoked":
        this.totals.revoked += 1;
        this.revocationsUntaken += 1;
        return false;
      case "dropped":
        this.totals.dropped += 1;
        return false;
      case "requeued":
        this.totals.requeued += 1;
        return false;
      case "pending":
        return false;
    }
  }

  /** An event about a hash the run does not know (yet): kept until the hash is reported, or too old. */
  hold(event: FeedEvent): void {
    const held = this.early.get(event.hash);
    if (held) held.push(event);
    else this.early.set(event.hash, [event]);
    this.forgetOld(event.at);
  }

  /** The events held for `hash`, now that it is known; they are no longer held. */
  release(hash: string): FeedEvent[] {
    const held = this.early.get(hash);
    if (!held) return [];
    this.early.delete(hash);
    return held;
  }

  /** The inclusion time of `mark` seen at `seenAt` by the block poll: a feed's earlier `confirmed` wins. */
  inclusionAt(mark: FeedMark, seenAt: number): number {
    if (mark.feedConfirmedAt === undefined || mark.feedConfirmedAt >= seenAt) return seenAt;
    this.totals.confirmedFirstByFeed += 1;
    return mark.feedConfirmedAt;
  }

  /** Revocations of the run's transactions since the last call: the circuit breaker's input. */
  takeRevocations(): number {
    const n = this.revocationsUntaken;
    this.revocationsUntaken = 0;
    return n;
  }

  /** Events held for hashes never reported. */
  get held(): number {
    return this.early.size;
  }

  snapshot(): FeedWordSnapshot {
    return { preconfLatency: this.preconfLatency, bySource: this.bySource, totals: { ...this.totals, byFlashblockIndex: { ...this.totals.byFlashblockIndex } } };
  }

  static restore(snapshot: FeedWordSnapshot | undefined): FeedWord {
    const word = new FeedWord();
    if (!snapshot) return word;
    mergeSketch(word.preconfLatency, snapshot.preconfLatency);
    mergeSketch(word.bySource.preconf, snapshot.bySource.preconf);
    mergeSketch(word.bySource.flashblocks, snapshot.bySource.flashblocks);
    Object.assign(word.totals, snapshot.totals, { byFlashblockIndex: { ...snapshot.totals.byFlashblockIndex } });
    return word;
  }

  private forgetOld(now: number): void {
    for (const [hash, events] of this.early) {
      if (events[0].at > now - EARLY_KEEP_MS && this.early.size <= MAX_HELD) break;
      this.early.delete(hash);
      this.totals.unmatched += events.length;
    }
  }
}
