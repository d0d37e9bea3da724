/**
 * A run's builder-feed figures: what each feed delivered, lost and refused. Plain JSON, so the
 * coordinator's checkpoint carries `FeedFigures` as is, and `feedFiguresView` is what TestMetrics
 * shows. Bounded by feeds and statuses, never by transactions or blocks: per-block builds are a
 * summary (count, sums, fill-rate and build-time sketches) plus the last few blocks.
 *
 * There is no merge: one coordinator owns a run's feeds, so figures never come from two places,
 * and a restart restores them whole from the checkpoint.
 */
import { emptySketch, recordLatency, summarize, type LatencySummary, type SketchData } from "../metrics/latency-sketch";
import type { BlockBuild, BlockMetricsMessage } from "./block-metrics-messages";
import type { FirstSighting, FlashblockMessage } from "./flashblock-types";
import { PRECONF_STATUSES, markReconnected, newSeqTracker, observeSeq, type PreconfEvent, type PreconfMessage, type PreconfStatus, type SeqTracker } from "./preconf-messages";

/** How many of the latest block builds the figures keep in full. */
export const RECENT_BLOCKS = 8;

/** Flashblock indices from this one up share one count (`"64+"`): a block has ~10 flashblocks, and a bad feed must not grow the figures. */
export const LAST_INDEX_KEY = 64;

export type FeedName = "preconf" | "blockMetrics" | "flashblocks";

interface FeedCounters {
  /** Frames received, valid or not. */
  messages: number;
  /** Frames that were not a message of the feed (not JSON, wrong shape, unknown status). */
  invalid: number;
  /** Connections opened again after the first. */
  reconnects: number;
}

export interface PreconfFigures extends FeedCounters {
  events: Record<PreconfStatus, number>;
  /** Events of valid batches dropped for a missing hash or unknown status. */
  invalidEvents: number;
  seq: SeqTracker;
}

export interface BlockBuildFigures extends FeedCounters {
  /** Distinct blocks recorded; a block number at or below the last one is counted in `repeated` instead. */
  blocks: number;
  repeated: number;
  /** Block numbers skipped between two recorded builds: blocks the feed never reported. */
  missedBlocks: number;
  gasUsed: number;
  txCount: number;
  /** Fill rate in basis points (percent × 100), so that nearly empty blocks keep their precision. */
  fillRateBp: SketchData;
  buildTimeMs: SketchData;
  recent: BlockBuild[];
}

export interface FlashblockFigures extends FeedCounters {
  /** Frames that came Brotli-compressed. */
  compressed: number;
  firstSightings: number;
  /** First sightings per flashblock index: how deep into a block our transactions were preconfirmed. */
  byIndex: Record<string, number>;
  lastBlock: number | null;
}

export interface FeedFigures {
  preconf: PreconfFigures;
  blockMetrics: BlockBuildFigures;
  flashblocks: FlashblockFigures;
  /** Events not handed to the tracker because ticks had stalled and the inbox was full (run/builder-feeds.ts). */
  overflow?: number;
}

const counters = (): FeedCounters => ({ messages: 0, invalid: 0, reconnects: 0 });

export function emptyFeedFigures(): FeedFigures {
  return {
    preconf: { ...counters(), events: Object.fromEntries(PRECONF_STATUSES.map((s) => [s, 0])) as Record<PreconfStatus, number>, invalidEvents: 0, seq: newSeqTracker() },
    blockMetrics: { ...counters(), blocks: 0, repeated: 0, missedBlocks: 0, gasUsed: 0, txCount: 0, fillRateBp: emptySketch(), buildTimeMs: emptySketch(), recent: [] },
    flashblocks: { ...counters(), compressed: 0, firstSightings: 0, byIndex: {}, lastBlock: null },
  };
}

/** A feed's socket opened again. For the preconfirmation feed the next seqNum is judged against that (preconf-messages.ts). */
export function recordReconnect(figures: FeedFigures, feed: FeedName): void {
  figures[feed].reconnects++;
  if (feed === "preconf") markReconnected(figures.preconf.seq);
}

/**
 * Counts one preconfirmation frame and returns the events to hand to the tracker: none for an
 * invalid frame, nor for a resent one (its seqNum repeats the last: those events were delivered).
 */
export function recordPreconfMessage(figures: FeedFigures, message: PreconfMessage): PreconfEvent[] {
  const f = figures.preconf;
  f.messages++;
  if (!message.ok) {
    f.invalid++;
    return [];
  }
  if (message.seqNum !== null && observeSeq(f.seq, message.seqNum).verdict === "repeat") return [];
  f.invalidEvents += message.invalidEvents;
  for (const event of message.events) f.events[event.status]++;
  return message.events;
}

/** Counts one block-metrics frame; returns the build when it is a new block. */
export function recordBlockMetricsMessage(figures: FeedFigures, message: BlockMetricsMessage): BlockBuild | null {
  const f = figures.blockMetrics;
  f.messages++;
  if (!message.ok) {
    f.invalid++;
    return null;
  }
  const block = message.block;
  const last = f.recent.at(-1)?.blockNumber;
  if (last !== undefined && block.blockNumber <= last) {
    f.repeated++;
    return null;
  }
  if (last !== undefined) f.missedBlocks += block.blockNumber - last - 1;
  f.blocks++;
  f.gasUsed += block.gasUsed ?? 0;
  f.txCount += block.txCount ?? 0;
  if (block.fillRate !== null) recordLatency(f.fillRateBp, block.fillRate * 100);
  if (block.buildTimeMs !== null) recordLatency(f.buildTimeMs, block.buildTimeMs);
  f.recent.push(block);
  if (f.recent.length > RECENT_BLOCKS) f.recent.splice(0, f.recent.length - RECENT_BLOCKS);
  return block;
}

/** Counts one flashblocks frame (the first sightings it held are counted by `recordFirstSightings`). */
export function recordFlashblockMessage(figures: FeedFigures, message: FlashblockMessage): void {
  const f = figures.flashblocks;
  f.messages++;
  if (!message.ok) {
    f.invalid++;
    return;
  }
  if (message.compressed) f.compressed++;
  const block = message.flashblock.blockNumber;
  if (block !== null) f.lastBlock = Math.max(f.lastBlock ?? block, block);
}

export function recordFirstSightings(figures: FeedFigures, sightings: readonly FirstSighting[]): void {
  const f = figures.flashblocks;
  for (const s of sightings) {
    f.firstSightings++;
    const key = s.index >= LAST_INDEX_KEY ? `${LAST_INDEX_KEY}+` : String(s.index);
    f.byIndex[key] = (f.byIndex[key] ?? 0) + 1;
  }
}

/** A summary of values recorded `factor` times too large (basis points back to percent). */
function scaled(sketch: SketchData, factor: number): LatencySummary {
  const s = summarize(sketch);
  const r = (v: number) => Math.round((v / factor) * 100) / 100;
  return { count: s.count, sum: r(s.sum), min: r(s.min), max: r(s.max), avg: r(s.avg), p50: r(s.p50), p75: r(s.p75), p90: r(s.p90), p95: r(s.p95), p99: r(s.p99) };
}

/** TestMetrics `feeds`: the figures with sketches summarized. */
export function feedFiguresView(figures: FeedFigures) {
  const { preconf: p, blockMetrics: b, flashblocks: fb } = figures;
  return {
    preconf: {
      messages: p.messages,
      invalidMessages: p.invalid,
      invalidEvents: p.invalidEvents,
      reconnects: p.reconnects,
      events: { ...p.events },
      lostEvents: p.seq.lost,
      seqResets: p.seq.resets,
      repeatedFrames: p.seq.repeats,
    },
    blockMetrics: {
      messages: b.messages,
      invalidMessages: b.invalid,
      reconnects: b.reconnects,
      blocks: b.blocks,
      repeatedBlocks: b.repeated,
      missedBlocks: b.missedBlocks,
      gasUsed: b.gasUsed,
      txCount: b.txCount,
      fillRatePercent: scaled(b.fillRateBp, 100),
      buildTimeMs: summarize(b.buildTimeMs),
      recent: b.recent.map((block) => ({ ...block })),
    },
    eventsOverflowed: figures.overflow ?? 0,
    flashblocks: {
      messages: fb.messages,
      invalidMessages: fb.invalid,
      reconnects: fb.reconnects,
      compressedFrames: fb.compressed,
      firstSightings: fb.firstSightings,
      byIndex: { ...fb.byIndex },
      lastBlock: fb.lastBlock,
    },
  };
}

export type FeedFiguresView = ReturnType<typeof feedFiguresView>;
