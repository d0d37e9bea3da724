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
import { RunTracker, type TxRecord, type TxUnit } from "../../src/run/tracker";
import { isBatch, type SentBatch } from "../../src/run/sent-batch";
import { mulberry32 } from "../support/seeded-random";

const T0 = 1_700_000_000_000;
const A = "0x00000000000000000000000000000000000000a1";
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const sent = (n: number, nonce = n): SentTx => ({ hash: hash(n), nonce, sentAt: T0 + n });
/** One call's transactions, nonces `from` to `to` - 1: they share the call's send time, and so a batch. */
const call = (from: number, to: number, sentAt = T0 + from): SentTx[] => range(from, to).map((n) => ({ ...sent(n), sentAt }));
const burst = (parts: Partial<BurstResult>): BurstResult => ({ ...emptyBurst(A), ...parts });
const block = (number: number, ns: number[]): BlockHeader => ({ number, timestamp: number, gasUsed: 0n, gasLimit: 30_000_000n, baseFeePerGas: 1n, transactions: ns.map(hash) });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A coordinator's storage: checkpoints written into it, and the tracker a restart would rebuild from it. */
async function withStore<T>(fn: (store: RunStore) => T): Promise<T> {
  const stub = env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(crypto.randomUUID()));
  return runInDurableObject(stub, (_instance, state) => fn(new RunStore(state.storage)));
}

/**
 * A checkpoint as the coordinator writes it. The snapshot is taken before the changes, as builds
 * before batches did: its next page number then misses the pages the same checkpoint writes, and a
 * restore must still never reuse one.
 */
function save(store: RunStore, tracker: RunTracker): ReturnType<RunTracker["takeChanges"]> {
  const snapshot = tracker.snapshot();
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
      tracker: snapshot,
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
    // Sent one at a time, 2,500 records: pages of 1,000.
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
      tracker.recordBurst(burst({ sent: call(0, 10) }), "eu");
      save(store, tracker);
      // Nonces 0–3 mined; 4–9 stuck and nudged (the batch's overlay on page 1); 10–11 new (page 2).
      tracker.recordBlock(block(1, range(0, 4)), T0 + 1_000);
      const stuck = tracker.takeStuck(T0 + 60_000, 20, 1_000, 2, 3);
      expect(stuck.rebroadcast.get(A)).toEqual(range(4, 10));
      tracker.recordBurst(burst({ sent: call(10, 12) }), "eu");
      const changes = save(store, tracker);
      expect(changes.pages.map((p) => p.page)).toEqual([2]);
      const nudged = changes.put as SentBatch[];
      expect(nudged.map((b) => [b.firstNonce, b.live, b.nudges, b.page])).toEqual([[0, 6, 1, 1]]);
      // The mined ones leave no row: their nonces are below the account's stored watermark.
      expect(changes.gone).toEqual([]);

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
      const rows: TxRecord[] = range(0, 2).map((n) => ({ account: A, nonce: n, region: "eu", sentAt: T0 + n, hashes: [hash(n)], status: "pending", nudges: 0, lastNudgeAt: 0, sinceBlock: 0, housekeeping: false }));
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

/** The restored tracker's pending nonces of account A, in order. */
const pendingNonces = (t: RunTracker) => (t.pendingByAccount().get(A) ?? []).sort((a, b) => a - b);
const batchesOf = (pages: Array<{ records: TxUnit[] }>) => pages.flatMap((p) => p.records).filter(isBatch);

describe("batches: what one call sent, held and stored as one entry", () => {
  it("a call's transactions are one entry on their page, however many; a very large call spans batches of 1,000", () => {
    const tracker = new RunTracker(T0);
    tracker.recordBurst(burst({ sent: call(0, 300) }), "eu");
    tracker.recordBurst(burst({ sent: call(300, 2_800) }), "eu");
    const changes = tracker.takeChanges();
    expect(changes.pages.map((p) => p.records.map((r) => (r as SentBatch).live))).toEqual([[300], [1_000], [1_000], [500]]);
    expect(tracker.liveRecords).toBe(2_800);
    expect(counters(tracker)).toEqual({ sent: 2_800, confirmed: 0, failed: 0, pending: 2_800 });
  });

  it("mined after its page was written, a batch's transactions leave no row: a restart drops them by the watermark and counts on", async () => {
    await withStore((store) => {
      const tracker = new RunTracker(T0);
      tracker.recordBurst(burst({ sent: call(0, 10) }), "eu");
      save(store, tracker);
      tracker.recordBlock(block(1, range(0, 6)), T0 + 1_000);
      expect(save(store, tracker)).toMatchObject({ pages: [], gone: [], put: [], drop: [], dropPages: [] });
      const again = restored(store);
      expect(again.liveRecords).toBe(4);
      expect(counters(again)).toEqual(counters(tracker));
      again.recordBlock(block(2, range(6, 10)), T0 + 2_000);
      expect(counters(again)).toEqual({ sent: 10, confirmed: 10, failed: 0, pending: 0 });
      expect(again.takeChanges().dropPages).toEqual([1]);
    });
  });

  it("one transaction of a stored batch refused: an overlay of its own; a restart has it failed and the rest of the batch pending", async () => {
    await withStore((store) => {
      const tracker = new RunTracker(T0);
      tracker.recordBurst(burst({ sent: call(0, 5) }), "eu");
      save(store, tracker);
      tracker.recordBurst(burst({ failed: [{ ...sent(2), errorClass: "underpriced", message: "underpriced" }] }), "eu");
      const changes = save(store, tracker);
      expect(changes.put.map((r) => [(r as TxRecord).nonce, (r as TxRecord).status])).toEqual([[2, "failed"]]);
      const again = restored(store);
      expect(counters(again)).toEqual({ sent: 5, confirmed: 0, failed: 1, pending: 4 });
      expect(pendingNonces(again)).toEqual([0, 1, 3, 4]);
      // Its late bytes still count it: the chain is the judge.
      again.recordBlock(block(1, range(0, 5)), T0 + 2_000);
      expect(counters(again)).toEqual({ sent: 5, confirmed: 5, failed: 0, pending: 0 });
    });
  });

  it("a batch's transaction whose nonce another transaction took stays pending across a restart, and the end discards it", async () => {
    await withStore((store) => {
      const tracker = new RunTracker(T0);
      tracker.recordBurst(burst({ sent: call(0, 3) }), "eu");
      save(store, tracker);
      // A closing self-transfer at nonce 1 is mined instead of the load sent at it.
      tracker.recordBurst(burst({ sent: [{ ...sent(100, 1), housekeeping: true }] }), "eu");
      tracker.recordBlock(block(1, [0, 100]), T0 + 1_000);
      save(store, tracker);
      const again = restored(store);
      expect(counters(again)).toEqual(counters(tracker));
      expect(counters(again)).toEqual({ sent: 3, confirmed: 1, failed: 0, pending: 2 });
      expect(pendingNonces(again)).toEqual([1, 2]);
      again.discardPending();
      expect(again.txDiscarded).toBe(2);
    });
  });

  it("a slot in a hole the watermark closes over is kept as a record across a restart", async () => {
    await withStore((store) => {
      const tracker = new RunTracker(T0);
      tracker.recordBurst(burst({ sent: call(0, 1) }), "eu");
      tracker.recordBurst(burst({ sent: call(1, 1_003, T0 + 10) }), "eu");
      save(store, tracker);
      // Nonce 0 never seen mined, 1,002 above it are: the hole is closed and nonce 0 counted.
      tracker.recordBlock(block(1, range(1, 1_003)), T0 + 1_000);
      save(store, tracker);
      const again = restored(store);
      expect(counters(again)).toEqual(counters(tracker));
      expect(pendingNonces(again)).toEqual([0]);
    });
  });

  it("a nudged batch is stored once, whole, and restored with its nudge", async () => {
    await withStore((store) => {
      const tracker = new RunTracker(T0);
      tracker.recordBurst(burst({ sent: call(0, 400) }), "eu");
      save(store, tracker);
      tracker.recordBlock(block(1, range(0, 100)), T0 + 500);
      expect(tracker.takeStuck(T0 + 5_000, 10, 1_000, 1, 2).rebroadcast.get(A)).toEqual(range(100, 400));
      const changes = save(store, tracker);
      expect(batchesOf([{ records: changes.put }]).map((b) => [b.live, b.nudges])).toEqual([[300, 1]]);
      const again = restored(store);
      // Due again a full interval after its nudge, not before.
      expect(again.takeStuck(T0 + 5_500, 20, 1_000, 1, 2).rebroadcast.size).toBe(0);
      expect(again.takeStuck(T0 + 6_100, 20, 1_000, 1, 2).rebroadcast.get(A)).toEqual(range(100, 400));
    });
  });
});

describe("restarts at random steps", () => {
  // It found three faults: a split slot's overlay hidden by its batch's, a restored tracker reusing a
  // stored page's number (most seeds fail with either back), and two records waiting at one nonce
  // losing their index (run-tracker.test.ts has it on its own). Seeds 1-200 with calls of up to 6
  // and 1-20 with calls of up to 400 pass.
  it.each([
    [90_210, 6],
    [26, 6],
    [2, 6],
    [7, 400],
  ])("seed %i, calls of up to %i: a tracker restored from its checkpoints, again and again, counts exactly as one that never stopped, and leaves no row", async (seed, maxCall) => {
    await runInDurableObject(env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(crypto.randomUUID())), (_i, state) => {
      const store = new RunStore(state.storage);
      const random = mulberry32(seed);
      const pick = <T,>(items: T[]): T => items[Math.floor(random() * items.length)];
      const accounts = [A, "0x00000000000000000000000000000000000000b2", "0x00000000000000000000000000000000000000c3"];
      const twin = new RunTracker(T0);
      let live = new RunTracker(T0);
      const both = (fn: (t: RunTracker) => void) => [twin, live].forEach(fn);
      const nextNonce = new Map(accounts.map((a) => [a, 0]));
      /** Every hash reported or mined so far, with its account and nonce. */
      const known: Array<{ h: string; account: string; nonce: number }> = [];
      const blocks: BlockHeader[] = [];
      /** A hash is mined once (the tracker's memory of foreign hashes assumes a chain). */
      const minedHashes = new Set<string>();
      let n = 1;
      let now = T0;
      let restarts = 0;
      const kinds = new Set<string>();
      const newTxs = (account: string, count: number) =>
        Array.from({ length: count }, () => {
          const nonce = nextNonce.get(account)!;
          nextNonce.set(account, nonce + 1);
          const tx = { h: hash(n++), account, nonce };
          known.push(tx);
          return tx;
        });
      const report = (account: string, parts: Partial<BurstResult>) => both((t) => t.recordBurst({ ...emptyBurst(account), ...parts }, account === A ? "eu" : "us"));
      const mine = (hashes: string[]) => {
        const b = block(blocks.length + 1, []);
        b.transactions = [...new Set(hashes)].filter((h) => !minedHashes.has(h));
        b.transactions.forEach((h) => minedHashes.add(h));
        b.transactions.push(hash(1_000_000 + blocks.length));
        blocks.push(b);
        both((t) => t.recordBlock(b, now));
      };
      const same = (step: string) => {
        const view = (t: RunTracker) => ({
          counters: counters(t),
          discarded: t.txDiscarded,
          housekeeping: t.housekeeping,
          live: t.liveRecords,
          pending: [...t.pendingByAccount()].map(([a, ns]) => [a, ns.sort((x, y) => x - y)]).sort(),
          minedBelow: accounts.map((a) => t.minedBelow(a)),
        });
        expect(view(live), step).toEqual(view(twin));
      };

      for (let step = 0; step < 400; step++) {
        now += 250;
        const r = random();
        let kind: string;
        if (r < 0.3 || known.length === 0) {
          kind = "call";
          const account = pick(accounts);
          const txs = newTxs(account, 1 + Math.floor(random() * maxCall));
          // Some of a call refused (nonce rolled back: reused by the next call), the rest sent.
          const refused = random() < 0.2 ? txs.splice(-1) : [];
          if (refused.length > 0) nextNonce.set(account, refused[0].nonce);
          report(account, {
            sent: txs.map((tx) => ({ hash: tx.h, nonce: tx.nonce, sentAt: now })),
            failed: refused.map((tx) => ({ hash: tx.h, nonce: tx.nonce, sentAt: now, errorClass: "underpriced", message: "underpriced" })),
          });
        } else if (r < 0.55) {
          kind = "block";
          // Each account's oldest waiting nonces, as a chain mines them, and now and then one out of turn.
          const hashes = accounts.flatMap((a) => {
            const waiting = known.filter((tx) => tx.account === a && tx.nonce >= live.minedBelow(a));
            return waiting.slice(0, Math.floor(random() * Math.max(4, maxCall)));
          });
          if (random() < 0.1 && known.length > 0) hashes.push(pick(known));
          mine(hashes.map((tx) => tx.h));
        } else if (r < 0.62) {
          kind = "failed-later";
          const tx = pick(known);
          report(tx.account, { failed: [{ hash: tx.h, nonce: tx.nonce, sentAt: now, errorClass: "timeout", message: "lost" }] });
        } else if (r < 0.68) {
          kind = "sent-again";
          const tx = pick(known);
          report(tx.account, { sent: [{ hash: tx.h, nonce: tx.nonce, sentAt: now }] });
        } else if (r < 0.74) {
          kind = "replaced";
          const tx = pick(known);
          const replacement = { h: hash(n++), account: tx.account, nonce: tx.nonce };
          known.push(replacement);
          report(tx.account, { replaced: [{ nonce: tx.nonce, oldHash: tx.h, hash: replacement.h }] });
        } else if (r < 0.8) {
          kind = "housekeeping";
          // A gap fill at an account's next nonce, or a closing self-transfer at one still waiting.
          const account = pick(accounts);
          const nonce = random() < 0.5 ? nextNonce.get(account)! : live.minedBelow(account);
          if (nonce === nextNonce.get(account)) nextNonce.set(account, nonce + 1);
          const tx = { h: hash(n++), account, nonce };
          known.push(tx);
          report(account, { sent: [{ hash: tx.h, nonce, sentAt: now, housekeeping: true }] });
        } else if (r < 0.86) {
          kind = "mined-first";
          // Mined before its report: the report comes in a later step.
          const [tx] = newTxs(pick(accounts), 1);
          mine([tx.h]);
        } else if (r < 0.89) {
          kind = "feed";
          // A builder's word takes a waiting transaction out of its batch.
          const tx = pick(known);
          both((t) => t.recordFeedEvents([{ hash: tx.h, status: pick(["preconfirmed", "confirmed"] as const), at: now, source: "preconf" }]));
        } else if (r < 0.94) {
          kind = "stuck";
          // Which are found first depends on the order each holds them in (a restored one: the order
          // they fall due): each nudges only what it holds pending.
          for (const t of [twin, live]) {
            const stuck = t.takeStuck(now, blocks.length, 1_000, 1, 1);
            const pending = t.pendingByAccount();
            for (const [account, nonces] of [...stuck.rebroadcast, ...stuck.replace]) for (const nonce of nonces) expect(pending.get(account), `step ${step}`).toContain(nonce);
          }
        } else {
          kind = "restart";
          // From the checkpoint the last step wrote: its snapshot was taken before its new pages.
          live = restored(store);
          // As the coordinator does: the last blocks read again, for late reports.
          for (const b of blocks.slice(-64)) live.rememberBlock(b, now);
          restarts += 1;
        }
        kinds.add(kind);
        save(store, live);
        twin.takeChanges();
        both((t) => t.forgetSettled());
        same(`step ${step} (${kind})`);
      }
      expect(restarts).toBeGreaterThan(10);
      expect([...kinds].sort()).toEqual(["block", "call", "failed-later", "feed", "housekeeping", "mined-first", "replaced", "restart", "sent-again", "stuck"]);
      // The end: the late reports of everything mined first, a restart, then the grace period over.
      for (const tx of known) report(tx.account, { sent: [{ hash: tx.h, nonce: tx.nonce, sentAt: now }] });
      save(store, live);
      live = restored(store);
      for (const b of blocks.slice(-64)) live.rememberBlock(b, now);
      same("after the last restart");
      both((t) => t.discardPending());
      same("after discardPending");
      // Every hash is mined after all (those mined before their report too, which the tracker had
      // forgotten and so discarded): once settled and checkpointed, no row is left.
      const last = block(blocks.length + 1, []);
      last.transactions = known.map((tx) => tx.h);
      both((t) => t.recordBlock(last, now));
      both((t) => t.forgetSettled());
      same("after mining everything");
      expect(live.liveRecords).toBe(0);
      save(store, live);
      const rows = (table: string) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
      expect(["record_pages", "record_overlays", "record_gone", "live_records"].map(rows)).toEqual([0, 0, 0, 0]);
    });
  });
});
