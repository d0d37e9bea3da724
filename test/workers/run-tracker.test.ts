/**
 * The run tracker: the counters a run reports and the chain is judged against. Idempotent by hash
 * (an account object may report a transaction again after a lost answer), the chain has the last
 * word (failed or discarded, then mined → confirmed), a report may arrive after its block, and a
 * fee-bumped replacement confirms the same record under either hash. Whatever the order, at every
 * moment txSent = txConfirmed + txFailed + txDiscarded + txPending.
 */
import { describe, expect, it } from "vitest";
import { emptyBurst, type BurstResult, type FailedTx, type SentTx } from "../../src/account/send-burst";
import type { BlockHeader } from "../../src/chain/node-queries";
import type { SendErrorClass } from "../../src/errors";
import { emptySketch, recordLatency, type SketchData } from "../../src/metrics/latency-sketch";
import { RunTracker, type TxLog } from "../../src/run/tracker";
import { mulberry32 } from "../support/seeded-random";

const T0 = 1_700_000_000_000;
const ACCOUNT_A = "0x00000000000000000000000000000000000000a1";
const ACCOUNT_B = "0x00000000000000000000000000000000000000b2";

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

const sent = (n: number, nonce: number, sentAt = T0): SentTx => ({ hash: hash(n), nonce, sentAt });

const failed = (n: number, nonce: number, sentAt = T0, errorClass: SendErrorClass = "underpriced", message = "transaction underpriced"): FailedTx => ({
  hash: hash(n),
  nonce,
  sentAt,
  errorClass,
  message,
});

function burst(address: string, parts: Partial<Omit<BurstResult, "address">> = {}): BurstResult {
  return { ...emptyBurst(address), ...parts };
}

function block(number: number, hashes: string[], gasUsed = 21_000n * BigInt(hashes.length), gasLimit = 30_000_000n): BlockHeader {
  return { number, timestamp: 1_700_000_000 + number, gasUsed, gasLimit, baseFeePerGas: 1_000_000_000n, transactions: hashes };
}

function sketchOf(...values: number[]): SketchData {
  const sketch = emptySketch();
  for (const v of values) recordLatency(sketch, v);
  return sketch;
}

/** The last log row written for a transaction (D1 keeps the last one: INSERT OR REPLACE by hash). */
function lastLogOf(logs: TxLog[], first: string): TxLog | undefined {
  return logs.filter((l) => l.hash === first).at(-1);
}

function counters(t: RunTracker) {
  return { sent: t.txSent, confirmed: t.txConfirmed, failed: t.txFailed, discarded: t.txDiscarded, pending: t.txPending };
}

describe("RunTracker: sent and mined", () => {
  it("a reported transaction is sent and pending until its block", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 2, confirmed: 0, failed: 0, discarded: 0, pending: 2 });
    expect(tracker.takeLogs()).toEqual([]);
  });

  it("a block with our hashes confirms them, counts only ours, and records gas and block figures", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)] }), "eu");
    const matched = tracker.recordBlock(block(5, [hash(1), hash(99), hash(2)], 63_000n, 30_000_000n), T0 + 1_500);
    expect(matched).toBe(2);
    expect(counters(tracker)).toEqual({ sent: 2, confirmed: 2, failed: 0, discarded: 0, pending: 0 });
    expect(tracker.blockCount).toBe(1);
    expect(tracker.totalGasUsed).toBe(63_000n);
    expect(tracker.totalGasLimit).toBe(30_000_000n);
  });

  it("records one confirm latency per confirmed transaction, send → seen", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0, T0), sent(2, 1, T0 + 500)] }), "eu");
    tracker.recordBlock(block(5, [hash(1), hash(2)]), T0 + 2_000);
    expect(tracker.confirmLatency.count).toBe(2);
    expect(tracker.confirmLatency.min).toBe(1_500);
    expect(tracker.confirmLatency.max).toBe(2_000);
  });

  it("breaks sent, confirmed and both latencies down by the region that sent them", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1, T0 + 200)], sendLatency: sketchOf(10, 30) }), "eu");
    tracker.recordBurst(burst(ACCOUNT_B, { sent: [sent(3, 0), sent(4, 1)], failed: [failed(5, 2)], sendLatency: sketchOf(200, 220, 240) }), "us");
    tracker.recordBlock(block(5, [hash(1), hash(2), hash(3)]), T0 + 1_000);
    const { eu, us } = tracker.regions;
    expect([eu.sent, eu.confirmed, eu.failed, eu.discarded]).toEqual([2, 2, 0, 0]);
    expect([us.sent, us.confirmed, us.failed, us.discarded]).toEqual([3, 1, 1, 0]);
    expect([eu.sendLatency.count, eu.sendLatency.max, us.sendLatency.count, us.sendLatency.min]).toEqual([2, 30, 3, 200]);
    expect([eu.confirmLatency.count, eu.confirmLatency.min, eu.confirmLatency.max]).toEqual([2, 800, 1_000]);
    expect([us.confirmLatency.count, us.confirmLatency.max]).toEqual([1, 1_000]);
    tracker.discardPending();
    expect(tracker.regions.us.discarded).toBe(1);
  });

  it("counts no housekeeping in a region's figures", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [{ ...sent(1, 0), housekeeping: true }, sent(2, 1)] }), "eu");
    tracker.recordBlock(block(5, [hash(1), hash(2)]), T0 + 1_000);
    expect(tracker.regions.eu).toMatchObject({ sent: 1, confirmed: 1 });
    expect(tracker.regions.eu.confirmLatency.count).toBe(1);
  });

  it("restores the per-region figures from its snapshot, and the confirmed counts of an older build's", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)], sendLatency: sketchOf(10, 30) }), "eu");
    tracker.recordBlock(block(5, [hash(1)]), T0 + 1_000);
    const snapshot = JSON.parse(JSON.stringify(tracker.snapshot()));
    const restored = RunTracker.restore(snapshot, [], []);
    expect(restored.regions).toEqual(tracker.regions);
    // The restored sketches are its own: counting on does not touch the snapshot.
    restored.recordBurst(burst(ACCOUNT_B, { sent: [sent(3, 0)], sendLatency: sketchOf(50) }), "eu");
    expect(restored.regions.eu.sendLatency.count).toBe(3);
    expect(snapshot.regions.eu.sendLatency.count).toBe(2);
    const { regions: _regions, ...older } = snapshot;
    const legacy = RunTracker.restore({ ...older, regionConfirmed: { eu: 4, us: 2 } }, [], []);
    expect([legacy.regions.eu.confirmed, legacy.regions.us.confirmed, legacy.regions.eu.sent]).toEqual([4, 2, 0]);
  });

  it("writes a confirmed TxLog with the block number and the time it was seen", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 7, T0 + 10)] }), "eu");
    tracker.recordBlock(block(42, [hash(1)]), T0 + 1_234);
    expect(tracker.takeLogs()).toEqual([
      { hash: hash(1), account: ACCOUNT_A, nonce: 7, region: "eu", sentAt: T0 + 10, preconfirmedAt: null, confirmedAt: T0 + 1_234, blockNumber: 42, status: "confirmed", error: null },
    ]);
  });

  it("a block of foreign hashes only confirms nothing", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(tracker.recordBlock(block(5, [hash(90), hash(91)]), T0 + 1_000)).toBe(0);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 0, failed: 0, discarded: 0, pending: 1 });
    expect(tracker.blockCount).toBe(1);
  });
});

describe("RunTracker: idempotent by hash", () => {
  it("the same hash reported sent twice counts once", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 0, failed: 0, discarded: 0, pending: 1 });
    expect(tracker.closeSeconds(T0 + 1_000)[0].sent).toBe(1);
  });

  it("the same hash twice within one burst counts once", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(1, 0)] }), "eu");
    expect(tracker.txSent).toBe(1);
    expect(tracker.txPending).toBe(1);
  });

  it("a confirmed hash reported sent again (a recover() after the block) stays confirmed", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBlock(block(5, [hash(1)]), T0 + 1_000);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
  });

  it("a hash mined twice (the same block polled again) is confirmed once", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(tracker.recordBlock(block(5, [hash(1)]), T0 + 1_000)).toBe(1);
    expect(tracker.recordBlock(block(5, [hash(1)]), T0 + 1_100)).toBe(0);
    expect(tracker.txConfirmed).toBe(1);
    expect(tracker.confirmLatency.count).toBe(1);
    expect(tracker.regions.eu).toMatchObject({ sent: 1, confirmed: 1 });
  });

  it("a pending hash reported failed moves pending → failed, txSent unchanged", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0, T0, "timeout", "no answer")] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 2, confirmed: 0, failed: 1, discarded: 0, pending: 1 });
    expect(tracker.takeLogs()).toEqual([
      { hash: hash(1), account: ACCOUNT_A, nonce: 0, region: "eu", sentAt: T0, preconfirmedAt: null, confirmedAt: null, blockNumber: null, status: "failed", error: "timeout: no answer" },
    ]);
  });

  it("a hash first reported failed counts as sent and failed", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0, T0, "insufficient-funds", "insufficient funds for gas")] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 0, failed: 1, discarded: 0, pending: 0 });
    expect(tracker.takeLogs()[0]).toMatchObject({ hash: hash(1), status: "failed", error: "insufficient-funds: insufficient funds for gas" });
  });

  it("a failed report twice counts once", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 0, failed: 1, discarded: 0, pending: 0 });
    expect(tracker.takeLogs()).toHaveLength(1);
  });

  it("a confirmed hash reported failed afterwards stays confirmed (the chain is the judge)", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBlock(block(5, [hash(1)]), T0 + 1_000);
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
  });

  it("cuts a failure's error text to 500 characters", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0, T0, "unknown", "x".repeat(2_000))] }), "eu");
    const [log] = tracker.takeLogs();
    expect(log.error).toHaveLength(500);
    expect(log.error?.startsWith("unknown: xxx")).toBe(true);
  });
});

describe("RunTracker: the chain has the last word", () => {
  it("a failed hash reported sent again moves back to pending: txFailed −1, txSent unchanged", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 0, failed: 0, discarded: 0, pending: 1 });
    expect(tracker.pendingByAccount()).toEqual(new Map([[ACCOUNT_A, [0]]]));
  });

  it("a hash first reported failed and then sent is pending, sent once", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 0, failed: 0, discarded: 0, pending: 1 });
  });

  it("a failed hash that is mined later counts as confirmed: txFailed −1", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0)] }), "eu");
    expect(tracker.recordBlock(block(5, [hash(1)]), T0 + 3_000)).toBe(1);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
    expect(lastLogOf(tracker.takeLogs(), hash(1))).toMatchObject({ status: "confirmed", blockNumber: 5, confirmedAt: T0 + 3_000, error: null });
  });

  it("a failed hash that moved back to pending and is then mined is confirmed once", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBlock(block(5, [hash(1)]), T0 + 3_000);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
  });
});

describe("RunTracker: a report after its block", () => {
  it("a hash mined before it was reported sent is confirmed by the late report", () => {
    const tracker = new RunTracker(T0);
    expect(tracker.recordBlock(block(8, [hash(1)]), T0 + 2_000)).toBe(0);
    expect(tracker.txConfirmed).toBe(0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 3, T0 + 500)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
  });

  it("a late report takes the block number, seen time and latency of the block it was in", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBlock(block(8, [hash(1)]), T0 + 2_000);
    tracker.recordBlock(block(9, []), T0 + 3_000);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 3, T0 + 500)] }), "us");
    expect(tracker.confirmLatency.count).toBe(1);
    expect(tracker.confirmLatency.max).toBe(1_500);
    expect(tracker.regions.us).toMatchObject({ sent: 1, confirmed: 1 });
    expect(tracker.regions.us.confirmLatency.max).toBe(1_500);
    expect(tracker.takeLogs()).toEqual([
      { hash: hash(1), account: ACCOUNT_A, nonce: 3, region: "us", sentAt: T0 + 500, preconfirmedAt: null, confirmedAt: T0 + 2_000, blockNumber: 8, status: "confirmed", error: null },
    ]);
  });

  it("a hash mined before it was reported failed is confirmed by the late failed report", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBlock(block(8, [hash(1)]), T0 + 2_000);
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 3, T0 + 500, "timeout", "no answer")] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
    expect(lastLogOf(tracker.takeLogs(), hash(1))).toMatchObject({ status: "confirmed", blockNumber: 8, confirmedAt: T0 + 2_000 });
  });

  it("a late report is matched once: reporting it again does not confirm it again", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBlock(block(8, [hash(1)]), T0 + 2_000);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 3)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 3)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 3)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
    expect(tracker.confirmLatency.count).toBe(1);
  });

  // Intended: other senders' hashes on a shared chain must not pile up for the whole run, and a
  // late report arrives within seconds of its block. So a foreign hash is remembered while it is
  // less than 64 blocks behind the newest block, and forgotten from then on.
  it("remembers a mined foreign hash for a late report while the head is less than 64 blocks past it", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBlock(block(10, [hash(1)]), T0 + 1_000);
    tracker.recordBlock(block(73, []), T0 + 60_000);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(tracker.txConfirmed).toBe(1);
    expect(tracker.txPending).toBe(0);
  });

  it("forgets a mined foreign hash once a block 64 or more past it is seen: a later report stays pending (intended)", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBlock(block(10, [hash(1)]), T0 + 1_000);
    tracker.recordBlock(block(50, [hash(2)]), T0 + 40_000);
    tracker.recordBlock(block(74, []), T0 + 60_000);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)] }), "eu");
    // hash(1), 64 blocks behind, is forgotten; hash(2), 24 behind, still matches.
    expect(counters(tracker)).toEqual({ sent: 2, confirmed: 1, failed: 0, discarded: 0, pending: 1 });
    expect(tracker.pendingByAccount()).toEqual(new Map([[ACCOUNT_A, [0]]]));
  });
});

describe("RunTracker: fee-bumped replacements", () => {
  const replaceOne = (tracker: RunTracker, oldN: number, newN: number, nonce = 0) =>
    tracker.recordBurst(burst(ACCOUNT_A, { replaced: [{ nonce, oldHash: hash(oldN), hash: hash(newN) }] }), "eu");

  it("a replacement adds no sent transaction and counts as one replacement", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    replaceOne(tracker, 1, 2);
    expect(tracker.replacements).toBe(1);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 0, failed: 0, discarded: 0, pending: 1 });
  });

  it("the replacement hash mined confirms the record, logged under the first hash", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    replaceOne(tracker, 1, 2);
    expect(tracker.recordBlock(block(5, [hash(2)]), T0 + 9_000)).toBe(1);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
    expect(tracker.takeLogs()).toEqual([
      { hash: hash(1), account: ACCOUNT_A, nonce: 0, region: "eu", sentAt: T0, preconfirmedAt: null, confirmedAt: T0 + 9_000, blockNumber: 5, status: "confirmed", error: `replaced by ${hash(2)}` },
    ]);
  });

  it("the original hash mined after a replacement confirms the same record", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    replaceOne(tracker, 1, 2);
    expect(tracker.recordBlock(block(5, [hash(1)]), T0 + 9_000)).toBe(1);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
    expect(tracker.takeLogs()[0]).toMatchObject({ hash: hash(1), status: "confirmed", error: null });
  });

  it("both hashes mined (impossible on chain) still count the record once", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    replaceOne(tracker, 1, 2);
    expect(tracker.recordBlock(block(5, [hash(2)]), T0 + 9_000)).toBe(1);
    expect(tracker.recordBlock(block(6, [hash(1)]), T0 + 10_000)).toBe(0);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
    expect(tracker.confirmLatency.count).toBe(1);
    expect(tracker.takeLogs()).toHaveLength(1);
  });

  it("a chain of replacements: the last one mined confirms the record", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    replaceOne(tracker, 1, 2);
    replaceOne(tracker, 2, 3);
    expect(tracker.replacements).toBe(2);
    expect(tracker.recordBlock(block(5, [hash(3)]), T0 + 9_000)).toBe(1);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
  });

  it("the same replacement reported twice counts once", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    replaceOne(tracker, 1, 2);
    replaceOne(tracker, 1, 2);
    expect(tracker.replacements).toBe(1);
  });

  it("a replacement whose hash was mined before it was reported confirms the record at once", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBlock(block(5, [hash(2)]), T0 + 9_000);
    expect(tracker.txConfirmed).toBe(0);
    replaceOne(tracker, 1, 2);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
    expect(tracker.takeLogs()[0]).toMatchObject({ blockNumber: 5, confirmedAt: T0 + 9_000, error: `replaced by ${hash(2)}` });
  });

  it("a replacement of a confirmed hash is ignored: its hash mined later matches nothing", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBlock(block(5, [hash(1)]), T0 + 1_000);
    replaceOne(tracker, 1, 2);
    expect(tracker.replacements).toBe(0);
    expect(tracker.recordBlock(block(6, [hash(2)]), T0 + 2_000)).toBe(0);
    expect(tracker.txConfirmed).toBe(1);
  });

  it("a replacement of a failed hash is ignored", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0)] }), "eu");
    replaceOne(tracker, 1, 2);
    expect(tracker.replacements).toBe(0);
    expect(tracker.recordBlock(block(6, [hash(2)]), T0 + 2_000)).toBe(0);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 0, failed: 1, discarded: 0, pending: 0 });
  });

  it("a replacement of a discarded hash is ignored", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.discardPending();
    replaceOne(tracker, 1, 2);
    expect(tracker.replacements).toBe(0);
    expect(tracker.recordBlock(block(6, [hash(2)]), T0 + 2_000)).toBe(0);
    expect(tracker.txDiscarded).toBe(1);
  });

  it("a replacement of a hash never reported is ignored", () => {
    const tracker = new RunTracker(T0);
    replaceOne(tracker, 1, 2);
    expect(tracker.replacements).toBe(0);
    expect(counters(tracker)).toEqual({ sent: 0, confirmed: 0, failed: 0, discarded: 0, pending: 0 });
    expect(tracker.recordBlock(block(6, [hash(2)]), T0 + 2_000)).toBe(0);
  });

  it("a replacement whose new hash is already another record's is ignored", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)] }), "eu");
    replaceOne(tracker, 1, 2);
    expect(tracker.replacements).toBe(0);
    tracker.recordBlock(block(6, [hash(2)]), T0 + 2_000);
    // hash(2) confirms its own record (nonce 1), not the one of nonce 0.
    expect(tracker.pendingByAccount()).toEqual(new Map([[ACCOUNT_A, [0]]]));
  });
});

describe("RunTracker: discardPending", () => {
  it("moves every pending transaction to discarded, and leaves the others alone", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1), sent(3, 2)], failed: [failed(4, 3)] }), "eu");
    tracker.recordBlock(block(5, [hash(1)]), T0 + 1_000);
    tracker.takeLogs();
    tracker.discardPending();
    expect(counters(tracker)).toEqual({ sent: 4, confirmed: 1, failed: 1, discarded: 2, pending: 0 });
    expect(tracker.pendingByAccount()).toEqual(new Map());
  });

  it("writes a discarded TxLog per discarded transaction", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)] }), "eu");
    tracker.discardPending();
    const logs = tracker.takeLogs();
    expect(logs).toEqual([
      { hash: hash(1), account: ACCOUNT_A, nonce: 0, region: "eu", sentAt: T0, preconfirmedAt: null, confirmedAt: null, blockNumber: null, status: "discarded", error: "not included within the grace period" },
      { hash: hash(2), account: ACCOUNT_A, nonce: 1, region: "eu", sentAt: T0, preconfirmedAt: null, confirmedAt: null, blockNumber: null, status: "discarded", error: "not included within the grace period" },
    ]);
  });

  it("a replaced transaction is discarded under its first hash", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { replaced: [{ nonce: 0, oldHash: hash(1), hash: hash(2) }] }), "eu");
    tracker.discardPending();
    expect(tracker.takeLogs()).toEqual([expect.objectContaining({ hash: hash(1), status: "discarded" })]);
  });

  it("discarding twice counts each transaction once", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.discardPending();
    tracker.discardPending();
    expect(tracker.txDiscarded).toBe(1);
    expect(tracker.takeLogs()).toHaveLength(1);
  });

  it("a discarded hash mined later becomes confirmed: txDiscarded −1", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)] }), "eu");
    tracker.discardPending();
    expect(tracker.recordBlock(block(9, [hash(2)]), T0 + 20_000)).toBe(1);
    expect(counters(tracker)).toEqual({ sent: 2, confirmed: 1, failed: 0, discarded: 1, pending: 0 });
    expect(lastLogOf(tracker.takeLogs(), hash(2))).toMatchObject({ status: "confirmed", blockNumber: 9, error: null });
  });

  it("a discarded hash reported sent again stays discarded", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.discardPending();
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 0, failed: 0, discarded: 1, pending: 0 });
  });
});

describe("RunTracker: the counting invariant", () => {
  it("txSent = txConfirmed + txFailed + txDiscarded + txPending after every step of a mixed sequence", () => {
    const random = mulberry32(20240611);
    const pick = <T,>(items: T[]): T => items[Math.floor(random() * items.length)];
    const tracker = new RunTracker(T0);
    const accounts = [ACCOUNT_A, ACCOUNT_B];
    /** Each account object lives in one region. */
    const regionOf = (account: string) => (account === ACCOUNT_A ? "eu" : "us");
    /** First hashes reported (sent or failed), with their account and nonce: one record each. */
    const records = new Map<string, { account: string; nonce: number }>();
    const replacementHashes: string[] = [];
    /** Hashes mined before any report. */
    const minedEarly: Array<{ n: number; account: string; nonce: number }> = [];
    const nextNonce = new Map(accounts.map((a) => [a, 0]));
    let n = 1;
    let blockNumber = 1;
    let now = T0;
    const newTx = (account: string) => {
      const nonce = nextNonce.get(account)!;
      nextNonce.set(account, nonce + 1);
      return { n: n++, account, nonce };
    };
    const report = (kind: "sent" | "failed", tx: { n: number; account: string; nonce: number }) => {
      records.set(hash(tx.n), { account: tx.account, nonce: tx.nonce });
      const parts = kind === "sent" ? { sent: [sent(tx.n, tx.nonce, now)] } : { failed: [failed(tx.n, tx.nonce, now)] };
      tracker.recordBurst(burst(tx.account, parts), regionOf(tx.account));
    };
    const checkInvariant = (step: string) => {
      const { sent: s, confirmed, failed: f, discarded, pending } = counters(tracker);
      expect(confirmed + f + discarded + pending, step).toBe(s);
      expect(s, step).toBe(records.size);
      for (const v of [confirmed, f, discarded, pending]) expect(v, step).toBeGreaterThanOrEqual(0);
      // The regions add up to the totals.
      const regions = Object.values(tracker.regions);
      const sum = (f: (r: (typeof regions)[number]) => number) => regions.reduce((total, r) => total + f(r), 0);
      expect([sum((r) => r.sent), sum((r) => r.confirmed), sum((r) => r.failed), sum((r) => r.discarded)], step).toEqual([s, confirmed, f, discarded]);
      expect(sum((r) => r.confirmLatency.count), step).toBe(tracker.confirmLatency.count);
    };
    const kinds = new Set<string>();

    for (let step = 0; step < 300; step++) {
      now += 100;
      const r = random();
      const firstHashes = [...records.keys()];
      let kind: string;
      if (r < 0.3 || firstHashes.length === 0) {
        kind = "new";
        const count = 1 + Math.floor(random() * 3);
        for (let i = 0; i < count; i++) report(random() < 0.85 ? "sent" : "failed", newTx(pick(accounts)));
      } else if (r < 0.42) {
        kind = "sent-again";
        const h = pick(firstHashes);
        const { account, nonce } = records.get(h)!;
        tracker.recordBurst(burst(account, { sent: [{ hash: h, nonce, sentAt: now }] }), regionOf(account));
      } else if (r < 0.52) {
        kind = "failed-later";
        const h = pick(firstHashes);
        const { account, nonce } = records.get(h)!;
        tracker.recordBurst(burst(account, { failed: [{ hash: h, nonce, sentAt: now, errorClass: "timeout", message: "lost" }] }), regionOf(account));
      } else if (r < 0.6) {
        kind = "replaced";
        const h = pick(firstHashes);
        const { account, nonce } = records.get(h)!;
        const replacement = hash(n++);
        replacementHashes.push(replacement);
        tracker.recordBurst(burst(account, { replaced: [{ nonce, oldHash: h, hash: replacement }] }), regionOf(account));
      } else if (r < 0.68) {
        kind = "mined-before-report";
        const tx = newTx(pick(accounts));
        minedEarly.push(tx);
        tracker.recordBlock(block(blockNumber++, [hash(tx.n), hash(100_000 + step)]), now);
      } else if (r < 0.76 && minedEarly.length > 0) {
        kind = "late-report";
        const tx = minedEarly.splice(Math.floor(random() * minedEarly.length), 1)[0];
        report(random() < 0.7 ? "sent" : "failed", tx);
      } else if (r < 0.8) {
        kind = "discard";
        tracker.discardPending();
      } else {
        kind = "block";
        const candidates = [...firstHashes, ...replacementHashes];
        const hashes = candidates.filter(() => random() < 0.15);
        tracker.recordBlock(block(blockNumber++, [...hashes, hash(200_000 + step)]), now);
      }
      kinds.add(kind);
      checkInvariant(`step ${step} (${kind})`);
    }
    // The scenario did go through every kind of step.
    expect([...kinds].sort()).toEqual(["block", "discard", "failed-later", "late-report", "mined-before-report", "new", "replaced", "sent-again"]);

    // The end of a run: grace period over, then every hash ever reported or accepted is mined
    // (impossible on chain for replaced pairs, but nothing may count twice).
    tracker.discardPending();
    checkInvariant("after discardPending");
    expect(tracker.txPending).toBe(0);
    tracker.recordBlock(block(blockNumber++, [...records.keys(), ...replacementHashes]), now + 1_000);
    checkInvariant("after mining everything");
    expect(counters(tracker)).toEqual({ sent: records.size, confirmed: records.size, failed: 0, discarded: 0, pending: 0 });
    expect(tracker.confirmLatency.count).toBe(records.size);
  });
});

describe("RunTracker: stuck transactions", () => {
  /** A tracker whose last seen block is 100, with two transactions of A and one of B sent at T0. */
  function withThreePending(): RunTracker {
    const tracker = new RunTracker(T0, 100);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_B, { sent: [sent(3, 5)] }), "us");
    return tracker;
  }
  const none = { rebroadcast: new Map(), replace: new Map() };
  const all = new Map([
    [ACCOUNT_A, [0, 1]],
    [ACCOUNT_B, [5]],
  ]);

  it("nothing is stuck while the time threshold is not reached, however many blocks passed", () => {
    const tracker = withThreePending();
    expect(tracker.takeStuck(T0 + 2_999, 200, 3_000, 3, 1)).toEqual(none);
    expect(tracker.rebroadcasts).toBe(0);
  });

  it("nothing is stuck while the block threshold is not reached, however long it has been", () => {
    const tracker = withThreePending();
    expect(tracker.takeStuck(T0 + 60_000, 102, 3_000, 3, 1)).toEqual(none);
    expect(tracker.rebroadcasts).toBe(0);
  });

  it("counts blocks from the block the tracker had seen when the transaction was reported", () => {
    const tracker = new RunTracker(T0, 100);
    tracker.recordBlock(block(110, []), T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(tracker.takeStuck(T0 + 10_000, 112, 3_000, 3, 1)).toEqual(none);
    expect(tracker.takeStuck(T0 + 10_000, 113, 3_000, 3, 1).rebroadcast).toEqual(new Map([[ACCOUNT_A, [0]]]));
  });

  it("a failed transaction reported sent again restarts its block clock", () => {
    const tracker = new RunTracker(T0, 100);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0)] }), "eu");
    tracker.recordBlock(block(110, []), T0 + 5_000);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(tracker.takeStuck(T0 + 10_000, 112, 3_000, 3, 1)).toEqual(none);
    expect(tracker.takeStuck(T0 + 10_000, 113, 3_000, 3, 1).rebroadcast).toEqual(new Map([[ACCOUNT_A, [0]]]));
  });

  it("once both thresholds are passed, the first nudge is a re-broadcast, grouped per account", () => {
    const tracker = withThreePending();
    const stuck = tracker.takeStuck(T0 + 3_000, 103, 3_000, 3, 1);
    expect(stuck.rebroadcast).toEqual(all);
    expect(stuck.replace).toEqual(new Map());
    expect(tracker.rebroadcasts).toBe(3);
  });

  it("a nudge restarts the time clock", () => {
    const tracker = withThreePending();
    tracker.takeStuck(T0 + 3_000, 103, 3_000, 3, 1);
    expect(tracker.takeStuck(T0 + 5_999, 200, 3_000, 3, 1)).toEqual(none);
  });

  it("a nudge restarts the block clock", () => {
    const tracker = withThreePending();
    tracker.takeStuck(T0 + 3_000, 103, 3_000, 3, 1);
    expect(tracker.takeStuck(T0 + 60_000, 105, 3_000, 3, 1)).toEqual(none);
  });

  it("after `rebroadcasts` re-broadcasts, the next nudges ask for a replacement", () => {
    const tracker = withThreePending();
    const first = tracker.takeStuck(T0 + 3_000, 103, 3_000, 3, 2);
    const second = tracker.takeStuck(T0 + 6_000, 106, 3_000, 3, 2);
    const third = tracker.takeStuck(T0 + 9_000, 109, 3_000, 3, 2);
    const fourth = tracker.takeStuck(T0 + 12_000, 112, 3_000, 3, 2);
    expect(first).toEqual({ rebroadcast: all, replace: new Map() });
    expect(second).toEqual({ rebroadcast: all, replace: new Map() });
    expect(third).toEqual({ rebroadcast: new Map(), replace: all });
    expect(fourth).toEqual({ rebroadcast: new Map(), replace: all });
    // Only re-broadcasts are counted here; replacements count when they are reported accepted.
    expect(tracker.rebroadcasts).toBe(6);
    expect(tracker.replacements).toBe(0);
  });

  it("with zero re-broadcasts the first nudge is already a replacement", () => {
    const tracker = withThreePending();
    expect(tracker.takeStuck(T0 + 3_000, 103, 3_000, 3, 0)).toEqual({ rebroadcast: new Map(), replace: all });
    expect(tracker.rebroadcasts).toBe(0);
  });

  it("a mined transaction is not stuck", () => {
    const tracker = withThreePending();
    tracker.recordBlock(block(101, [hash(2)]), T0 + 1_000);
    expect(tracker.takeStuck(T0 + 3_000, 103, 3_000, 3, 1).rebroadcast).toEqual(
      new Map([
        [ACCOUNT_A, [0]],
        [ACCOUNT_B, [5]],
      ]),
    );
  });

  it("a failed or discarded transaction is not stuck", () => {
    const tracker = withThreePending();
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 0)] }), "eu");
    expect(tracker.takeStuck(T0 + 3_000, 103, 3_000, 3, 1).rebroadcast).toEqual(
      new Map([
        [ACCOUNT_A, [1]],
        [ACCOUNT_B, [5]],
      ]),
    );
    tracker.discardPending();
    expect(tracker.takeStuck(T0 + 60_000, 200, 3_000, 3, 1)).toEqual(none);
  });

  it("pendingByAccount groups the pending nonces per account", () => {
    const tracker = withThreePending();
    tracker.recordBurst(burst(ACCOUNT_B, { sent: [sent(4, 6)] }), "us");
    expect(tracker.pendingByAccount()).toEqual(
      new Map([
        [ACCOUNT_A, [0, 1]],
        [ACCOUNT_B, [5, 6]],
      ]),
    );
    tracker.recordBlock(block(101, [hash(1), hash(3)]), T0 + 1_000);
    expect(tracker.pendingByAccount()).toEqual(
      new Map([
        [ACCOUNT_A, [1]],
        [ACCOUNT_B, [6]],
      ]),
    );
  });
});

describe("RunTracker: errors and send latency", () => {
  it("adds each burst's attempt errors into errors, per class", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { attemptErrors: { timeout: 2, underpriced: 1 } }), "eu");
    tracker.recordBurst(burst(ACCOUNT_B, { attemptErrors: { timeout: 3 } }), "us");
    expect(tracker.errors).toEqual({ timeout: 5, underpriced: 1 });
  });

  it("adds each burst's retries into retries, per class, apart from errors", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { retries: { "rate-limited": 2, connection: 1 }, attemptErrors: { "rate-limited": 2, connection: 1 } }), "eu");
    tracker.recordBurst(burst(ACCOUNT_B, { retries: { "rate-limited": 3 }, attemptErrors: { "rate-limited": 4 } }), "us");
    expect(tracker.retries).toEqual({ "rate-limited": 5, connection: 1 });
    expect(tracker.errors).toEqual({ "rate-limited": 6, connection: 1 });
  });

  it("a lost burst and a lost poll each count one error of their class", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { attemptErrors: { connection: 2 } }), "eu");
    tracker.recordLostBurst("connection");
    tracker.recordLostPoll("unavailable");
    expect(tracker.errors).toEqual({ connection: 3, unavailable: 1 });
  });

  it("merges every burst's send latency sketch: counts add up", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sendLatency: sketchOf(10, 20, 30) }), "eu");
    tracker.recordBurst(burst(ACCOUNT_B, { sendLatency: sketchOf(5, 400) }), "us");
    expect(tracker.sendLatency.count).toBe(5);
    expect(tracker.sendLatency.min).toBe(5);
    expect(tracker.sendLatency.max).toBe(400);
    expect(tracker.sendLatency.sum).toBe(465);
  });
});

describe("RunTracker: per-second series and the log queue", () => {
  it("returns nothing before the first second is over", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    expect(tracker.closeSeconds(T0 + 999)).toEqual([]);
  });

  it("returns one SecondTotals per elapsed second, with each event in the second it was recorded in", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1), sent(3, 2)] }), "eu");
    expect(tracker.closeSeconds(T0 + 1_000)).toEqual([{ second: 0, sent: 3, confirmed: 0, failed: 0, gasUsed: 0n, gasLimit: 0n, preconf: emptySketch() }]);

    tracker.recordBlock(block(5, [hash(1), hash(2)], 42_000n, 30_000_000n), T0 + 1_200);
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(3, 2)], sent: [sent(4, 3, T0 + 1_300)] }), "eu");
    expect(tracker.closeSeconds(T0 + 3_500)).toEqual([
      { second: 1, sent: 1, confirmed: 2, failed: 1, gasUsed: 42_000n, gasLimit: 30_000_000n, preconf: emptySketch() },
      { second: 2, sent: 0, confirmed: 0, failed: 0, gasUsed: 0n, gasLimit: 0n, preconf: emptySketch() },
    ]);

    tracker.recordBlock(block(6, [hash(4)], 21_000n, 30_000_000n), T0 + 3_600);
    expect(tracker.closeSeconds(T0 + 3_999)).toEqual([]);
    expect(tracker.closeSeconds(T0 + 4_000)).toEqual([{ second: 3, sent: 0, confirmed: 1, failed: 0, gasUsed: 21_000n, gasLimit: 30_000_000n, preconf: emptySketch() }]);
  });

  it("closing the same second again returns nothing", () => {
    const tracker = new RunTracker(T0);
    expect(tracker.closeSeconds(T0 + 2_000)).toHaveLength(2);
    expect(tracker.closeSeconds(T0 + 2_000)).toEqual([]);
  });

  it("takeLogs returns the queued records in order and empties the queue", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)], failed: [failed(3, 2)] }), "eu");
    tracker.recordBlock(block(5, [hash(2)]), T0 + 1_000);
    expect(tracker.takeLogs().map((l) => [l.hash, l.status])).toEqual([
      [hash(3), "failed"],
      [hash(2), "confirmed"],
    ]);
    expect(tracker.takeLogs()).toEqual([]);
  });

});

describe("RunTracker: TPS", () => {
  /** A tracker with `count` of its transactions mined in a block seen at `at`. */
  function mineAt(tracker: RunTracker, at: number, blockNumber: number, count: number, firstN: number): void {
    const txs = Array.from({ length: count }, (_, i) => sent(firstN + i, firstN + i));
    tracker.recordBurst(burst(ACCOUNT_A, { sent: txs }), "eu");
    tracker.recordBlock(block(blockNumber, [...txs.map((t) => t.hash), hash(999_000 + blockNumber)]), at);
  }

  it("is zero before anything is included", () => {
    const tracker = new RunTracker(T0);
    expect(tracker.currentTps(T0 + 3_000)).toBe(0);
    expect(tracker.peakTps).toBe(0);
  });

  it("divides by the time since the start while the run is younger than 5 s (at least 1 s)", () => {
    const tracker = new RunTracker(T0);
    mineAt(tracker, T0 + 300, 1, 3, 1);
    expect(tracker.currentTps(T0 + 300)).toBe(3);
    mineAt(tracker, T0 + 2_000, 2, 1, 10);
    expect(tracker.currentTps(T0 + 2_000)).toBe(2);
    expect(tracker.currentTps(T0 + 3_000)).toBe(1.33);
  });

  it("counts inclusions of the last 5 s only, foreign transactions not at all", () => {
    const tracker = new RunTracker(T0);
    mineAt(tracker, T0 + 2_000, 1, 4, 1);
    mineAt(tracker, T0 + 4_000, 2, 6, 10);
    expect(tracker.currentTps(T0 + 6_000)).toBe(2);
    expect(tracker.currentTps(T0 + 7_000)).toBe(1.2);
    expect(tracker.currentTps(T0 + 9_000)).toBe(0);
  });

  // FAILS against src/run/tracker.ts as of this writing: a confirmation matched by a late report
  // (matchLate → confirm) is counted in txConfirmed and in the second's `confirmed`, but never
  // added to the rolling inclusions, so currentTps and peakTps leave it out.
  it("a transaction confirmed by a late report counts toward currentTps and peakTps", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBlock(block(1, [hash(1), hash(2)]), T0 + 2_000);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), sent(2, 1)] }), "eu");
    expect(tracker.txConfirmed).toBe(2);
    expect(tracker.currentTps(T0 + 2_000)).toBe(1);
    mineAt(tracker, T0 + 3_000, 2, 0, 10);
    expect(tracker.peakTps).toBeGreaterThanOrEqual(0.67);
  });

  it("peakTps keeps the highest rate seen at any block", () => {
    const tracker = new RunTracker(T0);
    mineAt(tracker, T0 + 2_000, 1, 4, 1);
    expect(tracker.peakTps).toBe(2);
    mineAt(tracker, T0 + 4_000, 2, 6, 10);
    expect(tracker.peakTps).toBe(2.5);
    mineAt(tracker, T0 + 12_000, 3, 1, 20);
    expect(tracker.currentTps(T0 + 12_000)).toBe(0.2);
    expect(tracker.peakTps).toBe(2.5);
  });
});

describe("RunTracker: one record per nonce in flight", () => {
  it("a new hash reported sent for a nonce still pending is that record's replacement, not a second transaction", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 7)] }), "eu");
    // The replace() answer was lost; recover() later reports the replacement as a sent transaction.
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(2, 7)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 0, failed: 0, discarded: 0, pending: 1 });
    expect(tracker.replacements).toBe(1);
    tracker.recordBlock(block(5, [hash(2)]), T0 + 1_000);
    expect(counters(tracker)).toEqual({ sent: 1, confirmed: 1, failed: 0, discarded: 0, pending: 0 });
  });

  it("a nonce given up (old hash failed) and reused (new hash sent) in one report leaves two records", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 3)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(2, 3)], failed: [failed(1, 3, T0, "unknown", "the node does not have the transaction")] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 2, confirmed: 0, failed: 1, discarded: 0, pending: 1 });
    tracker.recordBlock(block(5, [hash(2)]), T0 + 1_000);
    expect(counters(tracker)).toEqual({ sent: 2, confirmed: 1, failed: 1, discarded: 0, pending: 0 });
  });

  it("with two transactions waiting at one nonce, a new hash there is a replacement while either still waits", () => {
    const tracker = new RunTracker(T0);
    // Nonce 3 given up (hash 1) and reused (hash 2); then hash 1's bytes are found at the node after all.
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 3)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(2, 3)], failed: [failed(1, 3, T0, "unknown", "the node does not have the transaction")] }), "eu");
    // A builder's word on hash 2 makes it a record of its own (not a slot of its call's batch).
    tracker.recordFeedEvents([{ hash: hash(2), status: "preconfirmed", at: T0 + 50, source: "preconf" }]);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 3)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 2, confirmed: 0, failed: 0, discarded: 0, pending: 2 });
    // Hash 1 is refused again: hash 2 still waits at nonce 3, so a lost replacement's hash 4 is its.
    tracker.recordBurst(burst(ACCOUNT_A, { failed: [failed(1, 3)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(4, 3)] }), "eu");
    expect(counters(tracker)).toEqual({ sent: 2, confirmed: 0, failed: 1, discarded: 0, pending: 1 });
    expect(tracker.replacements).toBe(1);
    tracker.recordBlock(block(5, [hash(4)]), T0 + 1_000);
    expect(counters(tracker)).toEqual({ sent: 2, confirmed: 1, failed: 1, discarded: 0, pending: 0 });
  });

  it("the same nonce on another account is another transaction", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_B, { sent: [sent(2, 0)] }), "eu");
    expect(tracker.txPending).toBe(2);
  });
});

describe("RunTracker: housekeeping", () => {
  const housekeeping = (n: number, nonce: number): SentTx => ({ ...sent(n, nonce), housekeeping: true });

  it("counts gap fills and closing self-transfers apart from load, sent and mined", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0), housekeeping(2, 1)] }), "eu");
    expect({ ...counters(tracker), housekeeping: tracker.housekeeping }).toMatchObject({ sent: 1, pending: 1, housekeeping: { sent: 1, confirmed: 0 } });
    expect(tracker.awaitingInclusion).toBe(2);
    tracker.recordBlock(block(1, [hash(1), hash(2)]), T0 + 1_000);
    expect({ ...counters(tracker), housekeeping: tracker.housekeeping }).toMatchObject({ sent: 1, confirmed: 1, pending: 0, housekeeping: { sent: 1, confirmed: 1 } });
    expect(tracker.confirmLatency.count).toBe(1);
    // Housekeeping has no row in the run's transaction log.
    expect(tracker.takeLogs().map((l) => l.hash)).toEqual([hash(1)]);
  });

  it("a closing self-transfer at a nonce whose load is still pending is not taken for its replacement", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [sent(1, 0)] }), "eu");
    tracker.recordBurst(burst(ACCOUNT_A, { sent: [housekeeping(2, 0)] }), "eu");
    tracker.recordBlock(block(1, [hash(2)]), T0 + 1_000);
    expect(tracker.txConfirmed).toBe(0);
    expect(tracker.housekeeping).toEqual({ sent: 1, confirmed: 1 });
  });
});
