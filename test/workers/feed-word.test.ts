/**
 * The builder feeds' word on the run's transactions, as the run tracker folds it in: preconf latency
 * from the send of the batch that carried a transaction (whether the feed spoke before or after the
 * account object's report), a feed's `confirmed` that beats the block poll, revocations for the
 * circuit breaker, and everything kept across a checkpoint.
 */
import { describe, expect, it } from "vitest";
import { emptyBurst, type SentTx } from "../../src/account/send-burst";
import type { BlockHeader } from "../../src/chain/node-queries";
import { summarize } from "../../src/metrics/latency-sketch";
import { EARLY_KEEP_MS, MAX_HELD, type FeedEvent } from "../../src/run/feed-word";
import { RunTracker, type TxRecord } from "../../src/run/tracker";

const T0 = 1_700_000_000_000;
const ACCOUNT = "0x00000000000000000000000000000000000000a1";
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const sent = (n: number, sentAt: number): SentTx => ({ hash: hash(n), nonce: n, sentAt });
const report = (tracker: RunTracker, ...txs: SentTx[]) => tracker.recordBurst({ ...emptyBurst(ACCOUNT), sent: txs, submitted: txs.length }, "auto");
const event = (n: number, status: FeedEvent["status"], at: number, source: FeedEvent["source"] = "preconf"): FeedEvent => ({ hash: hash(n), status, at, source });
const block = (number: number, ns: number[]): BlockHeader => ({ number, timestamp: number, gasUsed: 21_000n * BigInt(ns.length), gasLimit: 30_000_000n, baseFeePerGas: 1n, transactions: ns.map(hash) });

describe("the builder feeds' word in the run tracker", () => {
  it("measures preconf latency from the send, whether the feed speaks before or after the report", () => {
    const tracker = new RunTracker(T0);
    // Preconfirmed 12 ms after its send, before the account object's report reached the coordinator.
    tracker.recordFeedEvents([event(0, "pending", T0 + 5), event(0, "preconfirmed", T0 + 12)]);
    expect(tracker.feeds.preconfLatency.count).toBe(0);
    report(tracker, sent(0, T0), sent(1, T0 + 100));
    // Reported first, preconfirmed 30 ms after its send.
    tracker.recordFeedEvents([event(1, "preconfirmed", T0 + 130)]);
    const summary = summarize(tracker.feeds.preconfLatency);
    expect(summary.count).toBe(2);
    expect(summary.min).toBeCloseTo(12, 0);
    expect(summary.max).toBeCloseTo(30, 0);
    expect(tracker.feeds.totals.preconfirmed).toBe(2);
  });

  it("counts a transaction's first preconfirmation once, and measures each source once, with its flashblock index", () => {
    const tracker = new RunTracker(T0);
    report(tracker, sent(0, T0), sent(1, T0));
    tracker.recordFeedEvents([
      { ...event(0, "preconfirmed", T0 + 40, "flashblocks"), index: 2 },
      event(0, "preconfirmed", T0 + 90, "preconf"),
      // The same hash in a later flashblock (a reorg of the payload) is not a first sighting.
      { ...event(0, "preconfirmed", T0 + 95, "flashblocks"), index: 3 },
      { ...event(1, "preconfirmed", T0 + 70, "flashblocks"), index: 70 },
    ]);
    expect(tracker.feeds.totals.preconfirmed).toBe(2);
    expect(summarize(tracker.feeds.preconfLatency).max).toBeCloseTo(70, 0);
    expect(tracker.feeds.bySource.flashblocks.count).toBe(2);
    expect(tracker.feeds.bySource.preconf.count).toBe(1);
    expect(summarize(tracker.feeds.bySource.preconf).p50).toBeCloseTo(90, 0);
    expect(tracker.feeds.totals.byFlashblockIndex).toEqual({ "2": 1, "64+": 1 });
  });

  it("takes a feed's confirmed as the inclusion time when it beats the block poll", () => {
    const tracker = new RunTracker(T0);
    report(tracker, sent(0, T0), sent(1, T0));
    tracker.recordFeedEvents([event(0, "confirmed", T0 + 400)]);
    tracker.recordBlock(block(1, [0, 1]), T0 + 1_000);
    const confirm = summarize(tracker.confirmLatency);
    expect(confirm.count).toBe(2);
    expect(confirm.min).toBeCloseTo(400, -1);
    expect(confirm.max).toBeCloseTo(1_000, -1);
    expect(tracker.feeds.totals.confirmedFirstByFeed).toBe(1);
  });

  it("hands revocations of the run's transactions to the breaker once, and ages out other traffic", () => {
    const tracker = new RunTracker(T0);
    report(tracker, sent(0, T0), sent(1, T0));
    tracker.recordFeedEvents([event(0, "revoked", T0 + 50), event(1, "dropped", T0 + 60), event(1, "requeued", T0 + 70)]);
    // Someone else's transaction, revoked: never reported as ours. A `confirmed` about a hash not
    // tracked (usually one the block poll counted first) is not even held.
    tracker.recordFeedEvents([event(99, "revoked", T0 + 80), event(98, "confirmed", T0 + 80)]);
    expect(tracker.feeds.takeRevocations()).toBe(1);
    expect(tracker.feeds.takeRevocations()).toBe(0);
    expect(tracker.feeds.totals).toMatchObject({ revoked: 1, dropped: 1, requeued: 1, unmatched: 0 });
    expect(tracker.feeds.held).toBe(1);
    tracker.recordFeedEvents([event(100, "pending", T0 + 80 + EARLY_KEEP_MS)]);
    expect(tracker.feeds.held).toBe(1);
    expect(tracker.feeds.totals.unmatched).toBe(1);
    expect(tracker.feeds.totals.revoked).toBe(1);
  });

  it("holds at most MAX_HELD unknown hashes, dropping the oldest, however busy the builder is with other traffic", () => {
    const tracker = new RunTracker(T0);
    const foreign = Array.from({ length: MAX_HELD + 10 }, (_, i) => event(1_000 + i, "preconfirmed", T0 + 1));
    tracker.recordFeedEvents(foreign);
    expect(tracker.feeds.held).toBe(MAX_HELD);
    expect(tracker.feeds.totals.unmatched).toBe(10);
    // The newest are the ones kept: a report of the last hash still finds its preconfirmation.
    report(tracker, sent(1_000 + MAX_HELD + 9, T0));
    expect(tracker.feeds.totals.preconfirmed).toBe(1);
  });

  it("keeps preconfirmation marks, sketches and totals across a checkpoint, and logs the preconfirmation time", () => {
    const tracker = new RunTracker(T0);
    report(tracker, sent(0, T0), sent(1, T0));
    tracker.recordFeedEvents([event(0, "preconfirmed", T0 + 20), event(1, "revoked", T0 + 25)]);
    const changes = tracker.takeChanges();
    const records = changes.pages.flatMap((p) => p.records);
    expect((records.find((r) => r.hashes[0] === hash(0)) as TxRecord | undefined)?.preconfAt).toBe(T0 + 20);
    const restored = RunTracker.restore(JSON.parse(JSON.stringify(tracker.snapshot())), JSON.parse(JSON.stringify(records)), changes.watermarks);
    expect(summarize(restored.feeds.preconfLatency).count).toBe(1);
    expect(restored.feeds.totals.revoked).toBe(1);
    // A second preconfirmation of the restored record is not counted again.
    restored.recordFeedEvents([event(0, "preconfirmed", T0 + 30)]);
    expect(restored.feeds.totals.preconfirmed).toBe(1);
    restored.recordBlock(block(1, [0, 1]), T0 + 1_000);
    const logs = restored.takeLogs();
    expect(logs.find((l) => l.hash === hash(0))?.preconfirmedAt).toBe(T0 + 20);
    expect(logs.find((l) => l.hash === hash(1))?.preconfirmedAt).toBeNull();
  });

  it("puts each second's preconf latencies in that second's totals", () => {
    const tracker = new RunTracker(T0);
    report(tracker, sent(0, T0), sent(1, T0), sent(2, T0 + 1_100));
    tracker.recordFeedEvents([event(0, "preconfirmed", T0 + 10), event(1, "preconfirmed", T0 + 30)]);
    const [first] = tracker.closeSeconds(T0 + 1_050);
    expect(first.preconf.count).toBe(2);
    tracker.recordFeedEvents([event(2, "preconfirmed", T0 + 1_150)]);
    const [second] = tracker.closeSeconds(T0 + 2_050);
    expect(summarize(second.preconf).p50).toBeCloseTo(50, 0);
  });
});
