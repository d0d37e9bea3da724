/**
 * Memory bounded by accounts and time, never by transactions (PRODUCT.md §13): the tracker forgets
 * what is mined, the mined-nonce sets stay small, and the transaction log is sampled above a rate.
 */
import { describe, expect, it } from "vitest";
import { emptySketch } from "../../src/metrics/latency-sketch";
import type { BurstResult } from "../../src/account/send-burst";
import { logEvery, sampleLogs } from "../../src/run/log-sampling";
import { MinedNonces } from "../../src/run/mined-nonces";
import { RunTracker, type TxLog } from "../../src/run/tracker";

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const ACCOUNTS = ["0xa1", "0xb2", "0xc3", "0xd4"];

function sentBurst(address: string, txs: Array<{ n: number; nonce: number }>, failed: Array<{ n: number; nonce: number }> = []): BurstResult {
  return {
    address,
    sent: txs.map(({ n, nonce }) => ({ hash: hash(n), nonce, sentAt: 0 })),
    failed: failed.map(({ n, nonce }) => ({ hash: hash(n), nonce, sentAt: 0, errorClass: "underpriced", message: "underpriced" })),
    submitted: txs.length + failed.length,
    retries: {},
    attemptErrors: {},
    requests: { sent: 1, rateLimited: 0, maxRetryAfterMs: 0 },
    sendLatency: emptySketch(),
  };
}

describe("MinedNonces", () => {
  it("counts a prefix, and late nonces below the highest mined one until the hole closes", () => {
    const mined = new MinedNonces({ contiguous: 10, above: [] });
    expect(mined.counted(9)).toBe(true);
    expect(mined.counted(10)).toBe(false);
    mined.add(12);
    expect([mined.counted(11), mined.counted(12), mined.minedBelow]).toEqual([false, true, 13]);
    mined.add(10);
    mined.add(11);
    expect(mined.toJSON()).toEqual({ contiguous: 13, above: [] });
  });

  it("closes a hole that stays open while more than 1,000 nonces above it are mined", () => {
    const mined = new MinedNonces();
    for (let n = 1; n <= 1_001; n++) mined.add(n); // nonce 0 never reported: taken by someone else
    expect(mined.toJSON()).toEqual({ contiguous: 1_002, above: [] });
    expect(mined.counted(0)).toBe(true);
  });

  it("survives a JSON round trip", () => {
    const mined = new MinedNonces({ contiguous: 3, above: [5, 7] });
    expect(new MinedNonces(JSON.parse(JSON.stringify(mined))).toJSON()).toEqual({ contiguous: 3, above: [5, 7] });
    expect(new MinedNonces({ contiguous: 3, above: [5, 7] }).minedBelow).toBe(8);
  });
});

describe("the tracker forgets what is mined", () => {
  it("holds only what is pending: 20,000 transactions through 200 blocks leave no record behind", () => {
    const tracker = new RunTracker(0, 0);
    let n = 1;
    const nonces = new Map(ACCOUNTS.map((a) => [a, 0]));
    let maxLive = 0;
    for (let block = 1; block <= 200; block++) {
      const minedNow: string[] = [];
      for (const account of ACCOUNTS) {
        const txs = Array.from({ length: 25 }, () => ({ n: n++, nonce: nonces.set(account, nonces.get(account)! + 1).get(account)! - 1 }));
        tracker.recordBurst(sentBurst(account, txs), "auto");
        minedNow.push(...txs.map((t) => hash(t.n)));
      }
      maxLive = Math.max(maxLive, tracker.liveRecords);
      tracker.recordBlock({ number: block, timestamp: block, gasUsed: 0n, gasLimit: 1n, baseFeePerGas: 1n, transactions: minedNow }, block * 1_000);
      tracker.takeLogs();
      tracker.closeSeconds(block * 1_000);
    }
    expect({ sent: tracker.txSent, confirmed: tracker.txConfirmed, live: tracker.liveRecords }).toEqual({ sent: 20_000, confirmed: 20_000, live: 0 });
    expect(maxLive).toBe(100); // one block's worth, never the run's
    // Nothing reported and mined between two checkpoints is ever written: no page, no overlay, no row to drop.
    const changes = tracker.takeChanges();
    expect(changes).toMatchObject({ pages: [], dropPages: [], put: [], drop: [] });
    expect(changes.watermarks).toHaveLength(ACCOUNTS.length);
  });

  it("drops a failed record once its nonce is mined under another transaction, not before", () => {
    const tracker = new RunTracker(0, 0);
    tracker.recordBurst(sentBurst("0xa1", [], [{ n: 1, nonce: 0 }]), "auto");
    tracker.forgetSettled();
    expect(tracker.liveRecords).toBe(1); // its nonce may still be reused and mined by its late bytes
    tracker.recordBurst(sentBurst("0xa1", [{ n: 2, nonce: 0 }]), "auto");
    tracker.recordBlock({ number: 1, timestamp: 1, gasUsed: 0n, gasLimit: 1n, baseFeePerGas: 1n, transactions: [hash(2)] }, 1_000);
    tracker.forgetSettled();
    expect({ live: tracker.liveRecords, sent: tracker.txSent, failed: tracker.txFailed, confirmed: tracker.txConfirmed }).toEqual({ live: 0, sent: 2, failed: 1, confirmed: 1 });
  });
});

describe("an account refused again and again", () => {
  it("keeps one failed record per nonce, however often the same nonces are re-signed and refused", () => {
    const tracker = new RunTracker(0, 0);
    let n = 1;
    for (let round = 0; round < 1_000; round++) {
      // Rolled back and reused: the same ten nonces, new fees, new hashes, refused again.
      tracker.recordBurst(sentBurst("0xa1", [], Array.from({ length: 10 }, (_, nonce) => ({ n: n++, nonce }))), "auto");
    }
    expect({ live: tracker.liveRecords, sent: tracker.txSent, failed: tracker.txFailed }).toEqual({ live: 10, sent: 10_000, failed: 10_000 });
  });
});

describe("the transaction log above a rate", () => {
  const logs: TxLog[] = Array.from({ length: 4_000 }, (_, i) => ({
    hash: hash(i * 7919 + 13),
    account: "0xa1",
    nonce: i,
    region: "auto",
    sentAt: i,
    preconfirmedAt: null,
    confirmedAt: i + 1,
    blockNumber: 1,
    status: i % 100 === 0 ? "failed" : "confirmed",
    error: null,
  }));

  it("keeps everything up to the configured rate", () => {
    expect(logEvery(1_000, 1_000)).toBe(1);
    expect(sampleLogs(logs, 1)).toHaveLength(4_000);
  });

  it("keeps about one confirmed transaction in N above it, and every failure", () => {
    const every = logEvery(4_000, 1_000);
    expect(every).toBe(4);
    const kept = sampleLogs(logs, every);
    const confirmed = kept.filter((l) => l.status === "confirmed").length;
    expect(confirmed).toBeGreaterThan(3_960 / 4 - 100);
    expect(confirmed).toBeLessThan(3_960 / 4 + 100);
    expect(kept.filter((l) => l.status === "failed")).toHaveLength(40);
    // The same choice every time a row is written again.
    expect(sampleLogs(logs, every)).toEqual(kept);
  });
});
