/** The preconfirmation feed's frames, its seqNum gap tracker, and what they add to the run's feed figures. */
import { describe, expect, it } from "vitest";
import { PRECONF_STATUSES, markReconnected, newSeqTracker, observeSeq, parsePreconfMessage } from "../../src/feeds/preconf-messages";
import { emptyFeedFigures, feedFiguresView, recordPreconfMessage, recordReconnect } from "../../src/feeds/feed-figures";

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const MIXED = "0xABCDEF" + "0".repeat(57) + "1";
const AT = 1_750_000_000_123;

describe("parsePreconfMessage: one event", () => {
  it.each(PRECONF_STATUSES)("takes status %s", (status) => {
    const m = parsePreconfMessage(JSON.stringify({ txHash: hash(1), status, blockNumber: 12, position: 3, timestamp: 1_750_000_000_000 }), AT);
    expect(m).toEqual({
      ok: true,
      kind: "event",
      seqNum: null,
      invalidEvents: 0,
      events: [{ txHash: hash(1), status, blockNumber: 12, position: 3, timestamp: 1_750_000_000_000, receivedAt: AT }],
    });
  });

  it("lower-cases the hash and the status, reads hex and decimal strings, and leaves absent fields null", () => {
    const m = parsePreconfMessage(JSON.stringify({ txHash: MIXED, status: "PreConfirmed", blockNumber: "0x1f" }), AT);
    expect(m.ok && m.events).toEqual([{ txHash: MIXED.toLowerCase(), status: "preconfirmed", blockNumber: 31, position: null, timestamp: null, receivedAt: AT }]);
    const pending = parsePreconfMessage(JSON.stringify({ txHash: hash(2), status: "pending", blockNumber: "17", timestamp: 5 }), AT);
    expect(pending.ok && pending.events[0]).toMatchObject({ blockNumber: 17, timestamp: 5 });
  });

  it("takes a binary frame as UTF-8 text", () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ txHash: hash(3), status: "confirmed" }));
    expect(parsePreconfMessage(bytes.buffer as ArrayBuffer, AT)).toMatchObject({ ok: true, events: [{ txHash: hash(3), status: "confirmed" }] });
  });

  it.each([
    ["not JSON", "{txHash:", "not JSON"],
    ["JSON but not an object", "[1,2]", "not an object"],
    ["an unknown status", JSON.stringify({ txHash: hash(1), status: "included" }), "unknown status"],
    ["no status", JSON.stringify({ txHash: hash(1) }), "unknown status"],
    ["a short hash", JSON.stringify({ txHash: "0x1234", status: "pending" }), "txHash is not a 32-byte hex hash"],
    ["no hash", JSON.stringify({ status: "pending" }), "txHash is not a 32-byte hex hash"],
    ["events that are not an array", JSON.stringify({ type: "confirmed", events: {} }), "events is not an array"],
    ["a negative seqNum", JSON.stringify({ txHash: hash(1), status: "pending", seqNum: -1 }), "seqNum is not a non-negative integer"],
  ])("refuses %s, never throwing", (_name, text, reason) => {
    expect(parsePreconfMessage(text, AT)).toEqual({ ok: false, reason });
  });
});

describe("parsePreconfMessage: a batch", () => {
  it("normalizes every event; an event without status, block or timestamp takes the batch's type, blockNumber and timestamp", () => {
    const m = parsePreconfMessage(
      JSON.stringify({
        type: "preconfirmed",
        blockNumber: 40,
        timestamp: 1_000,
        seqNum: 7,
        events: [
          { txHash: hash(1), position: 0 },
          { txHash: MIXED, status: "revoked", blockNumber: 41, position: 1, timestamp: 2_000 },
        ],
      }),
      AT,
    );
    expect(m).toEqual({
      ok: true,
      kind: "batch",
      seqNum: 7,
      invalidEvents: 0,
      events: [
        { txHash: hash(1), status: "preconfirmed", blockNumber: 40, position: 0, timestamp: 1_000, receivedAt: AT },
        { txHash: MIXED.toLowerCase(), status: "revoked", blockNumber: 41, position: 1, timestamp: 2_000, receivedAt: AT },
      ],
    });
  });

  it("keeps the good events of a batch and counts the bad ones", () => {
    const m = parsePreconfMessage(
      JSON.stringify({ type: "batch", seqNum: 3, events: [{ txHash: hash(1), status: "dropped" }, { txHash: hash(2), status: "lost" }, null, { status: "requeued" }, { txHash: hash(5), status: "requeued" }] }),
      AT,
    );
    expect(m).toMatchObject({ ok: true, kind: "batch", seqNum: 3, invalidEvents: 3 });
    expect(m.ok && m.events.map((e) => [e.txHash, e.status])).toEqual([
      [hash(1), "dropped"],
      [hash(5), "requeued"],
    ]);
  });

  it("an empty batch is valid: its seqNum still counts", () => {
    expect(parsePreconfMessage(JSON.stringify({ type: "confirmed", events: [], seqNum: "0x10" }), AT)).toEqual({ ok: true, kind: "batch", seqNum: 16, events: [], invalidEvents: 0 });
  });
});

describe("the seqNum gap tracker", () => {
  it("takes the first number as the baseline, counts every skipped number as a lost event", () => {
    const t = newSeqTracker();
    expect(observeSeq(t, 100)).toEqual({ verdict: "first", lost: 0 });
    expect(observeSeq(t, 101)).toEqual({ verdict: "next", lost: 0 });
    expect(observeSeq(t, 105)).toEqual({ verdict: "gap", lost: 3 });
    expect(observeSeq(t, 106)).toEqual({ verdict: "next", lost: 0 });
    expect(observeSeq(t, 110)).toEqual({ verdict: "gap", lost: 3 });
    expect(t).toMatchObject({ last: 110, lost: 6, resets: 0, repeats: 0 });
  });

  it("a repeated number is a resend, not a gap; a lower one is a reset and a new baseline", () => {
    const t = newSeqTracker();
    observeSeq(t, 5);
    expect(observeSeq(t, 5)).toEqual({ verdict: "repeat", lost: 0 });
    expect(observeSeq(t, 2)).toEqual({ verdict: "reset", lost: 0 });
    expect(observeSeq(t, 4)).toEqual({ verdict: "gap", lost: 1 });
    expect(t).toMatchObject({ last: 4, lost: 1, resets: 1, repeats: 1 });
  });

  it("after a reconnect: numbers skipped while away are lost; a counter that started over is a reset, even at the same number", () => {
    const away = newSeqTracker();
    observeSeq(away, 10);
    markReconnected(away);
    expect(observeSeq(away, 15)).toEqual({ verdict: "gap", lost: 4 });

    const restarted = newSeqTracker();
    observeSeq(restarted, 10);
    markReconnected(restarted);
    expect(observeSeq(restarted, 1)).toEqual({ verdict: "reset", lost: 0 });
    expect(observeSeq(restarted, 2)).toEqual({ verdict: "next", lost: 0 });

    const perConnection = newSeqTracker();
    observeSeq(perConnection, 1);
    markReconnected(perConnection);
    expect(observeSeq(perConnection, 1)).toEqual({ verdict: "reset", lost: 0 });
    expect(perConnection).toMatchObject({ resets: 1, repeats: 0, reconnected: false });
  });
});

describe("recordPreconfMessage", () => {
  const batch = (seqNum: number, ...events: Array<[number, string]>) =>
    parsePreconfMessage(JSON.stringify({ type: "batch", seqNum, events: events.map(([n, status]) => ({ txHash: hash(n), status })) }), AT);

  it("counts events per status, invalid messages and events, lost events, and hands over the events with their receive time", () => {
    const f = emptyFeedFigures();
    expect(recordPreconfMessage(f, batch(1, [1, "pending"], [2, "pending"]))).toHaveLength(2);
    expect(recordPreconfMessage(f, batch(2, [1, "preconfirmed"], [2, "revoked"], [3, "bogus"]))).toHaveLength(2);
    expect(recordPreconfMessage(f, parsePreconfMessage("garbage", AT))).toEqual([]);
    const delivered = recordPreconfMessage(f, batch(6, [1, "confirmed"], [2, "dropped"], [2, "requeued"]));
    expect(delivered.map((e) => e.receivedAt)).toEqual([AT, AT, AT]);
    expect(recordPreconfMessage(f, parsePreconfMessage(JSON.stringify({ txHash: hash(9), status: "pending" }), AT))).toHaveLength(1);
    expect(feedFiguresView(f).preconf).toEqual({
      messages: 5,
      invalidMessages: 1,
      invalidEvents: 1,
      reconnects: 0,
      events: { pending: 3, preconfirmed: 1, confirmed: 1, revoked: 1, dropped: 1, requeued: 1 },
      lostEvents: 3,
      seqResets: 0,
      repeatedFrames: 0,
    });
  });

  it("drops a resent frame's events, and judges the first frame after a reconnect against the last before it", () => {
    const f = emptyFeedFigures();
    recordPreconfMessage(f, batch(1, [1, "pending"]));
    expect(recordPreconfMessage(f, batch(1, [1, "pending"]))).toEqual([]);
    recordReconnect(f, "preconf");
    expect(recordPreconfMessage(f, batch(1, [2, "pending"]))).toHaveLength(1);
    recordReconnect(f, "preconf");
    recordPreconfMessage(f, batch(5, [3, "pending"]));
    expect(feedFiguresView(f).preconf).toMatchObject({ messages: 4, reconnects: 2, events: { pending: 3 }, lostEvents: 3, seqResets: 1, repeatedFrames: 1 });
  });

  it("is plain JSON: a checkpoint round trip changes nothing", () => {
    const f = emptyFeedFigures();
    recordPreconfMessage(f, batch(1, [1, "pending"]));
    recordReconnect(f, "preconf");
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });
});
