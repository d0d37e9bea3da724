/**
 * The preconfirmation feed (PRODUCT.md §8, `PRECONF_WS_URL`): one frame in, normalized events out,
 * and the seqNum gap tracker that counts what the builder sent and we never got.
 *
 * The parser takes the frame as the socket delivers it (text, or binary read as UTF-8) and does
 * the JSON decoding itself, so a frame that is not JSON is one more invalid message, counted in
 * the same place as a malformed one. Nothing here throws: a bad frame or event is counted, never
 * raised into the socket or the tracker.
 */
import { frameText, hash32, isRecord, parseJson, quantity, type FrameData } from "./frame-json";

export const PRECONF_STATUSES = ["pending", "preconfirmed", "confirmed", "revoked", "dropped", "requeued"] as const;
export type PreconfStatus = (typeof PRECONF_STATUSES)[number];

export const isPreconfStatus = (value: unknown): value is PreconfStatus => (PRECONF_STATUSES as readonly unknown[]).includes(value);

export interface PreconfEvent {
  txHash: `0x${string}`;
  status: PreconfStatus;
  blockNumber: number | null;
  /** The transaction's index in its block, when the builder says. */
  position: number | null;
  /** The builder's own clock (Unix ms) as sent; only for display: latencies use `receivedAt`. */
  timestamp: number | null;
  /** When this worker received the frame (Unix ms): the tracker measures preconf and confirm latency from its send times to this. */
  receivedAt: number;
}

export type PreconfMessage =
  | {
      ok: true;
      kind: "event" | "batch";
      /** The batch's sequence number (a single event may carry one too); null when absent. */
      seqNum: number | null;
      events: PreconfEvent[];
      /** Events of a batch dropped for a missing hash or an unknown status; the rest are kept. */
      invalidEvents: number;
    }
  | { ok: false; reason: string };

/** Fields an event may take from its batch when it leaves them out (the batch's `type` is its status). */
interface BatchDefaults {
  status: unknown;
  blockNumber: unknown;
  timestamp: unknown;
}

function toEvent(raw: unknown, receivedAt: number, defaults?: BatchDefaults): PreconfEvent | string {
  if (!isRecord(raw)) return "event is not an object";
  const txHash = hash32(raw.txHash);
  if (txHash === null) return "txHash is not a 32-byte hex hash";
  const rawStatus = raw.status ?? defaults?.status;
  const status = typeof rawStatus === "string" ? rawStatus.toLowerCase() : rawStatus;
  if (!isPreconfStatus(status)) return "unknown status";
  return {
    txHash,
    status,
    blockNumber: quantity(raw.blockNumber ?? defaults?.blockNumber),
    position: quantity(raw.position),
    timestamp: quantity(raw.timestamp ?? defaults?.timestamp),
    receivedAt,
  };
}

/** One preconfirmation frame: a single event `{ txHash, status, ... }` or a batch `{ type, events, seqNum, ... }`. */
export function parsePreconfMessage(data: FrameData, receivedAt: number): PreconfMessage {
  const json = parseJson(frameText(data));
  if (!json.ok) return json;
  const message = json.value;
  if (!isRecord(message)) return { ok: false, reason: "not an object" };
  const seqNum = message.seqNum === undefined || message.seqNum === null ? null : quantity(message.seqNum);
  if (seqNum === null && message.seqNum !== undefined && message.seqNum !== null) return { ok: false, reason: "seqNum is not a non-negative integer" };
  if (Array.isArray(message.events)) {
    const defaults = { status: message.type, blockNumber: message.blockNumber, timestamp: message.timestamp };
    const events: PreconfEvent[] = [];
    let invalidEvents = 0;
    for (const raw of message.events) {
      const event = toEvent(raw, receivedAt, defaults);
      if (typeof event === "string") invalidEvents++;
      else events.push(event);
    }
    return { ok: true, kind: "batch", seqNum, events, invalidEvents };
  }
  if (message.events !== undefined) return { ok: false, reason: "events is not an array" };
  const event = toEvent(message, receivedAt);
  if (typeof event === "string") return { ok: false, reason: event };
  return { ok: true, kind: "event", seqNum, events: [event], invalidEvents: 0 };
}

/**
 * Where the feed's sequence numbers stand: plain JSON, so the coordinator's checkpoint carries it.
 *
 * Each seqNum is one frame; we cannot know how many events a frame we never got held, so each
 * skipped number counts as one lost event (a lower bound when batches carry several).
 */
export interface SeqTracker {
  /** The last seqNum taken as the baseline; null before the first. */
  last: number | null;
  lost: number;
  /** Times the counter went back (builder restarted, or counts per connection): a new baseline, nothing counted lost. */
  resets: number;
  /** Frames whose seqNum was the last one again: a resend, whose events were already delivered. */
  repeats: number;
  /** Set by a reconnect: the next number is compared with the last one before it. */
  reconnected: boolean;
}

export type SeqVerdict = "first" | "next" | "gap" | "repeat" | "reset";

export function newSeqTracker(): SeqTracker {
  return { last: null, lost: 0, resets: 0, repeats: 0, reconnected: false };
}

/**
 * The socket connected again. The next frame may skip numbers (a builder with one counter for all
 * connections: those frames went out while we were away, and count as lost like any gap), or go
 * back to a lower number (a builder restarted, or one counter per connection: a reset, a new baseline,
 * and nothing counted lost, since we cannot tell where the new counter started).
 */
export function markReconnected(tracker: SeqTracker): void {
  tracker.reconnected = true;
}

/** Takes one frame's seqNum; returns what it was and how many events it shows lost. */
export function observeSeq(tracker: SeqTracker, seqNum: number): { verdict: SeqVerdict; lost: number } {
  const { last, reconnected } = tracker;
  tracker.reconnected = false;
  if (last === null) {
    tracker.last = seqNum;
    return { verdict: "first", lost: 0 };
  }
  if (seqNum === last && !reconnected) {
    tracker.repeats++;
    return { verdict: "repeat", lost: 0 };
  }
  tracker.last = seqNum;
  if (seqNum <= last) {
    tracker.resets++;
    return { verdict: "reset", lost: 0 };
  }
  const lost = seqNum - last - 1;
  tracker.lost += lost;
  return { verdict: lost === 0 ? "next" : "gap", lost };
}
