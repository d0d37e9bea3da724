/**
 * The tracker's records are stored by the page (issue 9: no per-transaction storage write on the
 * hot path). What a tick reported and the chain mined before its checkpoint is never written; what
 * is live at a checkpoint goes into pages; a record changed later gets an overlay; a page goes when
 * its last record does. Through it all, a coordinator restored from any checkpoint knows exactly
 * the records that were live, in their latest state, and counts on as if it had never stopped.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { emptyBurst, type BurstResult, type SentTx } from "../../src/account/send-burst";
import type { BlockHeader } from "../../src/chain/node-queries";
import { newBreaker } from "../../src/run/circuit-breaker";
import { newRateLimit } from "../../src/run/rate-limit";
import { RunStore } from "../../src/run/run-store";
import { RunTracker } from "../../src/run/tracker";

const T0 = 1_700_000_000_000;
const A = "0x00000000000000000000000000000000000000a1";
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const sent = (n: number, nonce = n): SentTx => ({ hash: hash(n), nonce, sentAt: T0 + n });
const burst = (parts: Partial<BurstResult>): BurstResult => ({ ...emptyBurst(A), ...parts });
const block = (number: number, ns: number[]): BlockHeader => ({ number, timestamp: number, gasUsed: 0n, gasLimit: 30_000_000n, baseFeePerGas: 1n, transactions: ns.map(hash) });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A coordinator's storage: checkpoints written into it, and the tracker a restart would rebuild from it. */
async function withStore<T>(fn: (store: RunStore) => T): Promise<T> {
  const stub = env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(crypto.randomUUID()));
  return runInDurableObject(stub, (_instance, state) => fn(new RunStore(state.storage)));
}

function save(store: RunStore, tracker: RunTracker): ReturnType<RunTracker["takeChanges"]> {
  const changes = tracker.takeChanges();
  store.checkpoint({
    scalars: {
      budget: { owed: 0 },
      cursor: 0,
      mixGiven: {},
      lastDispatchAt: 0,
      lastBlock: 0,
      fees: { maxFeePerGas: "2", maxPriorityFeePerGas: "1" },
      breaker: newBreaker(),
      rateLimit: newRateLimit(1_000),
      currentTarget: 0,
      lastRunRowWriteAt: 0,
      unsettled: null,
      ledgerNext: {},
      verifyAttempts: 0,
      tracker: tracker.snapshot(),
    },
    tracker: changes,
    marks: [],
    logs: [],
    seconds: [],
  });
  return changes;
}

function restored(store: RunStore): RunTracker {
  const r = store.restore()!;
  return RunTracker.restore(JSON.parse(JSON.stringify(r.scalars.tracker)), r.records, r.watermarks);
}

const counters = (t: RunTracker) => ({ sent: t.txSent, confirmed: t.txConfirmed, failed: t.txFailed, pending: t.txPending });

describe("record pages", () => {
  it("writes nothing for what is reported and mined between two checkpoints", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst({ sent: range(0, 50).map((n) => sent(n)) }), "eu");
    tracker.recordBlock(block(1, range(0, 50)), T0 + 900);
    const changes = tracker.takeChanges();
    expect(changes).toMatchObject({ pages: [], dropPages: [], put: [], drop: [] });
    expect(counters(tracker)).toEqual({ sent: 50, confirmed: 50, failed: 0, pending: 0 });
  });

  it("pages what is live at a checkpoint, and drops a page with its last record, with no row per transaction", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst({ sent: range(0, 2_500).map((n) => sent(n)) }), "eu");
    const first = tracker.takeChanges();
    expect(first.pages.map((p) => [p.page, p.records.length])).toEqual([
      [1, 1_000],
      [2, 1_000],
      [3, 500],
    ]);
    expect(first.put).toEqual([]);
    // Mined in two blocks: the first page empties in the first, the rest in the second.
    tracker.recordBlock(block(1, range(0, 1_200)), T0 + 1_000);
    expect(tracker.takeChanges()).toMatchObject({ pages: [], dropPages: [1], put: [], drop: [] });
    tracker.recordBlock(block(2, range(1_200, 2_500)), T0 + 2_000);
    expect(tracker.takeChanges()).toMatchObject({ pages: [], dropPages: [2, 3], put: [], drop: [] });
  });

  it("a restart from any checkpoint knows the live records, in their latest state, and counts on", async () => {
    await withStore((store) => {
      const tracker = new RunTracker(T0);
      tracker.recordBurst(burst({ sent: range(0, 10).map((n) => sent(n)) }), "eu");
      save(store, tracker);
      // Nonces 0–3 mined; 4–9 stuck and nudged (overlays on page 1); 10–11 new (page 2).
      tracker.recordBlock(block(1, range(0, 4)), T0 + 1_000);
      const stuck = tracker.takeStuck(T0 + 60_000, 20, 1_000, 2, 3);
      expect(stuck.rebroadcast.get(A)).toEqual(range(4, 10));
      tracker.recordBurst(burst({ sent: [sent(10), sent(11)] }), "eu");
      const changes = save(store, tracker);
      expect(changes.pages.map((p) => p.page)).toEqual([2]);
      expect(changes.put.map((r) => [r.nonce, r.nudges, r.page])).toEqual(range(4, 10).map((n) => [n, 1, 1]));
      expect(changes.gone).toEqual([{ page: 1, hashes: range(0, 4).map(hash) }]);

      const again = restored(store);
      expect(counters(again)).toEqual(counters(tracker));
      expect(again.liveRecords).toBe(8);
      expect(again.takeStuck(T0 + 120_000, 40, 1_000, 2, 3).rebroadcast.get(A)).toEqual(range(4, 12));
      // The mined ones are gone from their page; the rest confirm once, and both pages go.
      again.recordBurst(burst({ sent: [sent(0)] }), "eu");
      again.recordBlock(block(2, range(4, 12)), T0 + 3_000);
      expect(counters(again)).toEqual({ sent: 12, confirmed: 12, failed: 0, pending: 0 });
      expect(again.takeChanges().dropPages).toEqual([1, 2]);
    });
  });

  it("a record forgotten while its page lives on is on that page's gone list: a restart does not bring it back", async () => {
    await withStore((store) => {
      const tracker = new RunTracker(T0);
      tracker.recordBurst(burst({ sent: [sent(1, 0), sent(2, 1)] }), "eu");
      save(store, tracker);
      // Nonce 1 is given up twice: the older failed record is forgotten for the newer one.
      tracker.recordBurst(burst({ failed: [{ ...sent(2, 1), errorClass: "underpriced", message: "underpriced" }] }), "eu");
      tracker.recordBurst(burst({ failed: [{ ...sent(3, 1), errorClass: "underpriced", message: "underpriced" }] }), "eu");
      const changes = save(store, tracker);
      expect(changes.gone).toEqual([{ page: 1, hashes: [hash(2)] }]);
      // Forgotten in the tick its overlay was due: the overlay is not written.
      expect(changes.put).toEqual([]);
      const again = restored(store);
      expect(again.liveRecords).toBe(tracker.liveRecords);
      expect(counters(again)).toEqual(counters(tracker));
      // The newer failed record is there to catch late bytes; the older one is not.
      again.recordBlock(block(1, [1, 3]), T0 + 2_000);
      expect(counters(again)).toEqual({ sent: 3, confirmed: 2, failed: 1, pending: 0 });
    });
  });

  it("keeps a pending record whose nonce another transaction took: its late bytes still count it, and the end discards it", async () => {
    await withStore((store) => {
      const tracker = new RunTracker(T0);
      tracker.recordBurst(burst({ sent: [sent(1, 0)] }), "eu");
      save(store, tracker);
      // Refused, the nonce reused by another transaction, then the first one's bytes reach the node after all.
      tracker.recordBurst(burst({ failed: [{ ...sent(1, 0), errorClass: "unknown", message: "the node does not have it" }] }), "eu");
      tracker.recordBurst(burst({ sent: [sent(2, 0)] }), "eu");
      tracker.recordBurst(burst({ sent: [sent(1, 0)] }), "eu");
      tracker.recordBlock(block(1, [2]), T0 + 1_000);
      save(store, tracker);
      const again = restored(store);
      expect(counters(again)).toEqual(counters(tracker));
      expect(counters(again)).toEqual({ sent: 2, confirmed: 1, failed: 0, pending: 1 });
      again.discardPending();
      tracker.discardPending();
      expect(again.txDiscarded).toBe(tracker.txDiscarded);
      expect(again.txDiscarded).toBe(1);
    });
  });

  it("leaves no row behind for a page dropped in the checkpoint that also forgot and changed records on it", async () => {
    await runInDurableObject(env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(crypto.randomUUID())), (_i, state) => {
      const store = new RunStore(state.storage);
      const tracker = new RunTracker(T0);
      const B = "0x00000000000000000000000000000000000000b2";
      tracker.recordBurst(burst({ sent: [sent(1, 5)] }), "eu");
      tracker.recordBurst({ ...emptyBurst(B), sent: [sent(2, 0)] }, "eu");
      save(store, tracker);
      // One tick: A's nonce 5 is refused (an overlay), refused again under a new hash (the first
      // forgotten, the second new), then mined; B's is mined: page 1 empties and goes.
      tracker.recordBurst(burst({ failed: [{ ...sent(1, 5), errorClass: "underpriced", message: "underpriced" }] }), "eu");
      tracker.recordBurst(burst({ failed: [{ ...sent(3, 5), errorClass: "underpriced", message: "underpriced" }] }), "eu");
      tracker.recordBlock(block(1, [2, 3]), T0 + 1_000);
      const changes = save(store, tracker);
      expect(changes.dropPages).toEqual([1]);
      const rows = (table: string) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
      expect(["record_pages", "record_overlays", "record_gone", "live_records"].map(rows)).toEqual([0, 0, 0, 0]);
      expect(counters(tracker)).toEqual({ sent: 3, confirmed: 2, failed: 1, pending: 0 });
    });
  });

  it("a page whose every record was settled before a restart goes at the first checkpoint after it", async () => {
    await withStore((store) => {
      const tracker = new RunTracker(T0);
      tracker.recordBurst(burst({ sent: range(0, 3).map((n) => sent(n)) }), "eu");
      save(store, tracker);
      tracker.recordBlock(block(1, range(0, 3)), T0 + 1_000);
      // The page went with the checkpoint; one more kept alive by a record that stays pending.
      expect(save(store, tracker).dropPages).toEqual([1]);
      tracker.recordBurst(burst({ sent: [sent(3), sent(4)] }), "eu");
      save(store, tracker);
      tracker.recordBlock(block(2, [3]), T0 + 2_000);
      // A crash before this block's checkpoint: page 2 is stored whole, with nonce 3 live in it.
      const again = restored(store);
      expect(again.liveRecords).toBe(2);
      again.recordBlock(block(2, [3, 4]), T0 + 2_500);
      expect(again.takeChanges().dropPages).toEqual([2]);
      expect(counters(again)).toEqual({ sent: 5, confirmed: 5, failed: 0, pending: 0 });
    });
  });

  it("records an older checkpoint stored one row each are read back, paged afresh and their rows dropped", async () => {
    await runInDurableObject(env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(crypto.randomUUID())), (_i, state) => {
      const store = new RunStore(state.storage);
      const tracker = new RunTracker(T0);
      tracker.recordBurst(burst({ sent: [sent(0), sent(1)] }), "eu");
      save(store, tracker);
      // As a checkpoint before pages wrote it: one row per record in live_records, no page on the record.
      const rows = store.restore()!.records.map(({ page: _page, ...record }) => record);
      state.storage.sql.exec(`DELETE FROM record_pages`);
      for (const record of rows) state.storage.sql.exec(`INSERT INTO live_records (id, body) VALUES (?, ?)`, record.hashes[0], JSON.stringify(record));
      const again = restored(store);
      expect(again.liveRecords).toBe(2);
      const changes = save(store, again);
      expect(changes.pages.map((p) => p.records.length)).toEqual([2]);
      expect(changes.drop.sort()).toEqual([hash(0), hash(1)]);
      expect(state.storage.sql.exec(`SELECT COUNT(*) AS n FROM live_records`).one().n).toBe(0);
      expect(restored(store).liveRecords).toBe(2);
    });
  });
  it("a restart puts pending records in the order they fall due, so the look for stuck ones finds each on time", async () => {
    await withStore((store) => {
      const tracker = new RunTracker(T0);
      // Nonce 0 sent at T0, nonce 1 at T0 + 500; stuck after 1 s and one block.
      tracker.recordBurst(burst({ sent: [sent(0), { ...sent(1), sentAt: T0 + 500 }] }), "eu");
      save(store, tracker);
      // At T0 + 1,200 nonce 0 is due and nudged (due again at T0 + 2,200), nonce 1 not yet (T0 + 1,500).
      expect(tracker.takeStuck(T0 + 1_200, 5, 1_000, 1, 2).rebroadcast.get(A)).toEqual([0]);
      save(store, tracker);

      // Restored, nonce 1 comes first: at T0 + 1,600 it is found, though the page lists nonce 0 first.
      const again = restored(store);
      expect(again.takeStuck(T0 + 1_600, 10, 1_000, 1, 2).rebroadcast.get(A)).toEqual([1]);
      expect(again.takeStuck(T0 + 2_300, 20, 1_000, 1, 2).rebroadcast.get(A)).toEqual([0]);
    });
  });
});
