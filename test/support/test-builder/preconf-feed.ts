/**
 * Shapes preconfirmation events into the two message forms of PRODUCT.md §8: one event per
 * message, or a batch `{ type: "preconfirmations", blockNumber, events, timestamp, seqNum }`.
 *
 * Events raised in the same turn of the event loop (the pendings of one JSON-RPC batch, the
 * confirmations of one block) are flushed together: as one batch message per block number, or as
 * single messages. "alternate" switches form at every flush, so both forms reach every client.
 *
 * seqNum is ONE counter for the whole builder, not one per connection: a real builder stamps a
 * message once and fans it out, so every client sees the same number on the same message, and a
 * client that connects late starts from wherever the counter is (its first seqNum is a baseline,
 * not a gap). Only batch messages carry and advance it; `seqGap: n` makes the next one jump by n + 1.
 */
import type { Hex } from "viem";
import type { FaultSettings } from "./control";
import type { PreconfStatus, TestBuilderStats } from "./stats";

export interface PreconfEvent {
  txHash: Hex;
  status: PreconfStatus;
  blockNumber: number;
  position: number;
  /** Unix ms when the builder raised the event. */
  timestamp: number;
}

export interface PreconfBatch {
  type: "preconfirmations";
  blockNumber: number;
  events: PreconfEvent[];
  timestamp: number;
  seqNum: number;
}

export interface PreconfFeed {
  emit(event: Omit<PreconfEvent, "timestamp">): void;
}

export function createPreconfFeed(send: (message: PreconfEvent | PreconfBatch) => void, settings: FaultSettings, stats: () => TestBuilderStats): PreconfFeed {
  let queue: PreconfEvent[] = [];
  let flushes = 0;
  let seqNum = 0;

  const sendBatch = (events: PreconfEvent[]) => {
    const gap = settings.seqGap;
    if (gap > 0) {
      settings.seqGap = 0;
      stats().preconf.seqGapsInjected += 1;
      stats().preconf.seqNumsSkipped += gap;
    }
    seqNum += 1 + gap;
    stats().preconf.batchMessages += 1;
    stats().preconf.lastSeqNum = seqNum;
    send({ type: "preconfirmations", blockNumber: events[0].blockNumber, events, timestamp: Date.now(), seqNum });
  };

  const flush = () => {
    const events = queue;
    queue = [];
    const shape = settings.shape === "alternate" ? (flushes % 2 === 0 ? "batch" : "single") : settings.shape;
    flushes += 1;
    if (shape === "single") {
      for (const event of events) send(event);
      stats().preconf.singleMessages += events.length;
      return;
    }
    const byBlock = new Map<number, PreconfEvent[]>();
    for (const event of events) byBlock.set(event.blockNumber, [...(byBlock.get(event.blockNumber) ?? []), event]);
    for (const group of byBlock.values()) sendBatch(group);
  };

  return {
    emit(event) {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ ...event, timestamp: Date.now() });
      stats().preconf.events[event.status] += 1;
    },
  };
}
