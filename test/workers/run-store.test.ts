/**
 * The coordinator's checkpoint in its own SQLite storage: what a restarted coordinator reads back
 * is what the last checkpoint wrote, changes apply on top of each other, and the D1 queues give
 * rows back in order until they are dropped.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RunStore, type Checkpoint, type LiveScalars } from "../../src/run/run-store";
import { RunTracker, type TrackerChanges, type TxLog, type TxRecord } from "../../src/run/tracker";
import { newBreaker } from "../../src/run/circuit-breaker";
import { newRateLimit } from "../../src/run/rate-limit";
import { emptySketch, recordLatency } from "../../src/metrics/latency-sketch";

const inFreshObject = <T,>(fn: (store: RunStore, storage: DurableObjectStorage) => T | Promise<T>) =>
  runInDurableObject(env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(crypto.randomUUID())), (_i, state) => fn(new RunStore(state.storage), state.storage));

const record = (n: number, status: TxRecord["status"] = "pending"): TxRecord => ({
  account: "0xa1",
  nonce: n,
  region: "auto",
  sentAt: 1_000 + n,
  hashes: [`0x${n.toString(16).padStart(64, "0")}`],
  status,
  nudges: 0,
  lastNudgeAt: 0,
  sinceBlock: 7,
  housekeeping: false,
});

const log = (n: number): TxLog => ({ hash: `0x${n}`, account: "0xa1", nonce: n, region: "auto", sentAt: n, preconfirmedAt: null, confirmedAt: n + 1, blockNumber: 9, status: "confirmed", error: null });

function scalars(): LiveScalars {
  const tracker = new RunTracker(1_000, 5);
  return {
    budget: { owed: 0.5 },
    cursor: 3,
    mixGiven: { "eth-transfer": 7 },
    lastDispatchAt: 2_000,
    lastBlock: 12,
    fees: { maxFeePerGas: "2", maxPriorityFeePerGas: "1" },
    breaker: newBreaker(),
    rateLimit: newRateLimit(1_000),
    currentTarget: 40,
    lastRunRowWriteAt: 1_500,
    unsettled: null,
    ledgerNext: {},
    verifyAttempts: 0,
    tracker: tracker.snapshot(),
  };
}

const changes = (parts: Partial<TrackerChanges>): TrackerChanges => ({ pages: [], gone: [], dropPages: [], put: [], drop: [], watermarks: [], ...parts });

const checkpoint = (parts: Partial<Checkpoint>): Checkpoint => ({
  scalars: scalars(),
  tracker: changes({}),
  marks: [],
  logs: [],
  seconds: [],
  ...parts,
});

describe("a very large tick (a 60,000 burst confirmed at once)", () => {
  it("is written in bounded statements: no SQLITE_TOOBIG, every record and log read back", async () => {
    // 40,000 records and logs: about 10 MB of JSON, five times SQLite's 2 MB cap on one string.
    const records = Array.from({ length: 40_000 }, (_, n) => record(n));
    const logs = Array.from({ length: 40_000 }, (_, n) => log(n));
    await inFreshObject((store) => {
      // Pages of 1,000 as the tracker makes them, and one of 20,000: a page larger than the cap is stored in parts.
      const pages = [{ page: 1, records: records.slice(0, 20_000) }, ...Array.from({ length: 20 }, (_, i) => ({ page: i + 2, records: records.slice(20_000 + 1_000 * i, 21_000 + 1_000 * i) }))];
      store.checkpoint(checkpoint({ tracker: changes({ pages }), logs }));
      const restored = store.restore()!;
      expect(restored.records.length).toBe(40_000);
      expect((restored.records as TxRecord[]).map((r) => r.nonce).sort((a, b) => a - b)).toEqual(records.map((r) => r.nonce));
      expect(store.queued().logs).toBe(40_000);
      let read = 0;
      for (;;) {
        const { logs: batch, through } = store.peekLogs(5_000);
        if (batch.length === 0) break;
        read += batch.length;
        store.dropLogs(through);
      }
      expect(read).toBe(40_000);
      store.checkpoint(checkpoint({ tracker: changes({ dropPages: pages.map((p) => p.page) }) }));
      expect(store.restore()!.records).toEqual([]);
    });
  });
});

describe("RunStore", () => {
  it("has nothing to restore before the first checkpoint", async () => {
    expect(await inFreshObject((store) => store.restore())).toBeUndefined();
  });

  it("restores records, mined nonces and delivery marks as the checkpoints left them", async () => {
    const paged = (n: number, page: number): TxRecord => ({ ...record(n), page });
    const restored = await inFreshObject((store) => {
      store.checkpoint(checkpoint({ tracker: changes({ pages: [{ page: 1, records: [paged(0, 1), paged(1, 1), paged(2, 1)] }], watermarks: [["0xa1", { contiguous: 0, above: [] }]] }), marks: [[0, { applied: 2, above: [] }]] }));
      // The next tick: nonce 0 mined (gone from page 1), 1 nudged (an overlay), 3 and 4 new (page 2),
      // account 0 applied up to 3, 5 ahead. Then 3 is forgotten (gone from page 2).
      store.checkpoint(
        checkpoint({
          tracker: changes({ pages: [{ page: 2, records: [paged(3, 2), paged(4, 2)] }], gone: [{ page: 1, hashes: [record(0).hashes[0]] }], put: [{ ...paged(1, 1), nudges: 1 }], watermarks: [["0xa1", { contiguous: 1, above: [] }]] }),
          marks: [[0, { applied: 3, above: [5] }]],
        }),
      );
      store.checkpoint(checkpoint({ tracker: changes({ gone: [{ page: 2, hashes: [record(3).hashes[0]] }] }) }));
      return store.restore();
    });
    expect((restored!.records as TxRecord[]).map((r) => [r.nonce, r.nudges]).sort()).toEqual([[1, 1], [2, 0], [4, 0]]);
    expect(restored!.watermarks).toEqual([["0xa1", { contiguous: 1, above: [] }]]);
    expect(restored!.marks).toEqual([[0, { applied: 3, above: [5] }]]);
    expect(restored!.scalars).toMatchObject({ cursor: 3, lastBlock: 12, currentTarget: 40 });
  });

  it("queues logs and seconds for D1 in order until they are dropped, and clears the live state at the end", async () => {
    const result = await inFreshObject((store) => {
      store.checkpoint(checkpoint({ logs: [log(1), log(2)], seconds: [{ second: 0, txSent: 1 }] }));
      store.checkpoint(checkpoint({ logs: [log(3)], seconds: [{ second: 1, txSent: 2 }] }));
      const first = store.peekLogs(2);
      const seconds = store.peekSeconds(10);
      const queuedBefore = store.queued();
      store.dropLogs(first.through);
      store.dropSeconds(0);
      const rest = store.peekLogs(100);
      const queuedAfter = store.queued();
      store.clearLive();
      return { first: first.logs.map((l) => l.nonce), seconds: seconds.map((s) => s.second), queuedBefore, rest: rest.logs.map((l) => l.nonce), queuedAfter, cleared: [store.restore(), store.queued()] };
    });
    // A batch is whole checkpoints: at most `maxRows` unless one checkpoint alone is bigger.
    expect(result.first).toEqual([1, 2]);
    expect(result.seconds).toEqual([0, 1]);
    expect(result.queuedBefore).toEqual({ logs: 3, seconds: 2 });
    expect(result.rest).toEqual([3]);
    expect(result.queuedAfter).toEqual({ logs: 1, seconds: 1 });
    expect(result.cleared).toEqual([undefined, { logs: 0, seconds: 0 }]);
  });

  it("a restored tracker counts on from the snapshot and forgets nothing pending", async () => {
    const tracker = new RunTracker(1_000, 5);
    tracker.recordBurst({ address: "0xA1", sent: [{ hash: record(0).hashes[0], nonce: 0, sentAt: 1_000 }, { hash: record(1).hashes[0], nonce: 1, sentAt: 1_000 }], failed: [], submitted: 2, retries: {}, attemptErrors: {}, requests: { sent: 1, rateLimited: 0, maxRetryAfterMs: 0 }, sendLatency: { count: 0, sum: 0, min: 0, max: 0, zero: 0, buckets: {} } }, "auto");
    tracker.recordBlock({ number: 6, timestamp: 6, gasUsed: 21_000n, gasLimit: 30_000_000n, baseFeePerGas: 1n, transactions: [record(0).hashes[0]] }, 2_000);
    const restored = await inFreshObject((store) => {
      store.checkpoint(checkpoint({ scalars: { ...scalars(), tracker: tracker.snapshot() }, tracker: tracker.takeChanges() }));
      return store.restore();
    });
    const again = RunTracker.restore(restored!.scalars.tracker, restored!.records, restored!.watermarks);
    expect({ sent: again.txSent, confirmed: again.txConfirmed, pending: again.txPending }).toEqual({ sent: 2, confirmed: 1, pending: 1 });
    // The mined nonce is counted: its report again changes nothing; the pending one confirms once.
    again.recordBurst({ address: "0xa1", sent: [{ hash: record(0).hashes[0], nonce: 0, sentAt: 1_000 }], failed: [], submitted: 1, retries: {}, attemptErrors: {}, requests: { sent: 1, rateLimited: 0, maxRetryAfterMs: 0 }, sendLatency: { count: 0, sum: 0, min: 0, max: 0, zero: 0, buckets: {} } }, "auto");
    again.recordBlock({ number: 7, timestamp: 7, gasUsed: 21_000n, gasLimit: 30_000_000n, baseFeePerGas: 1n, transactions: [record(1).hashes[0]] }, 3_000);
    expect({ sent: again.txSent, confirmed: again.txConfirmed, pending: again.txPending, blocks: again.blockCount }).toEqual({ sent: 2, confirmed: 2, pending: 0, blocks: 2 });
    expect(again.minedBelow("0xa1")).toBe(2);
  });

  it("carries each region's counters and latency sketches through a checkpoint", async () => {
    const tracker = new RunTracker(1_000, 5);
    const sketch = (...values: number[]) => {
      const s = emptySketch();
      for (const v of values) recordLatency(s, v);
      return s;
    };
    const report = (address: string, n: number, latencies: number[]) => ({
      address,
      sent: [{ hash: `0x${n.toString(16).padStart(64, "0")}`, nonce: 0, sentAt: 1_000 }],
      failed: [],
      submitted: 1,
      retries: {},
      attemptErrors: {},
      requests: { sent: 1, rateLimited: 0, maxRetryAfterMs: 0 },
      sendLatency: sketch(...latencies),
    });
    tracker.recordBurst(report("0xa1", 1, [12]), "weur");
    tracker.recordBurst(report("0xb2", 2, [140]), "apac");
    tracker.recordBlock({ number: 6, timestamp: 6, gasUsed: 42_000n, gasLimit: 30_000_000n, baseFeePerGas: 1n, transactions: [`0x${(1).toString(16).padStart(64, "0")}`] }, 1_900);
    const restored = await inFreshObject((store) => {
      store.checkpoint(checkpoint({ scalars: { ...scalars(), tracker: tracker.snapshot() }, tracker: tracker.takeChanges() }));
      return store.restore();
    });
    const again = RunTracker.restore(restored!.scalars.tracker, restored!.records, restored!.watermarks);
    expect(again.regions).toEqual(tracker.regions);
    expect(again.regions.weur).toMatchObject({ sent: 1, confirmed: 1, confirmLatency: { count: 1, max: 900 }, sendLatency: { count: 1, max: 12 } });
    expect(again.regions.apac).toMatchObject({ sent: 1, confirmed: 0, sendLatency: { count: 1, max: 140 } });
    // It counts on: the apac transaction mined after the restart lands in apac's sketch.
    again.recordBlock({ number: 7, timestamp: 7, gasUsed: 21_000n, gasLimit: 30_000_000n, baseFeePerGas: 1n, transactions: [`0x${(2).toString(16).padStart(64, "0")}`] }, 3_000);
    expect(again.regions.apac).toMatchObject({ confirmed: 1, confirmLatency: { count: 1, max: 2_000 } });
  });
});
