/**
 * The nonce ledger over a real Durable Object's SQLite storage: the state machine
 * reserve → reserved → sent | free | unknown, the "reuse the lowest rolled-back nonce first" rule
 * that keeps a sender free of gaps, and persistence across an object restart.
 */
import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { COMMIT_SQL, MARK_SIGNED_SQL, NonceLedger } from "../../src/account/nonce-ledger";

let counter = 0;
/** A unique object name per test: every ledger starts from empty tables. */
const uniqueName = (label: string) => `ledger-test-${label}-${Date.now()}-${counter++}`;
const stubFor = (name: string) => env.ACCOUNT.get(env.ACCOUNT.idFromName(name));
const freshStub = (label: string) => stubFor(uniqueName(label));

/** Runs `body` with a ledger over a fresh object's SQL storage. */
async function withLedger<R>(label: string, body: (ledger: NonceLedger, sql: SqlStorage) => R): Promise<R> {
  return runInDurableObject(freshStub(label), (_instance, state) => body(new NonceLedger(state.storage.sql), state.storage.sql));
}

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

describe("nonce ledger: reserving", () => {
  it("is not initialized, and refuses next(), before its first reset", async () => {
    await withLedger("uninit", (ledger) => {
      expect(ledger.initialized).toBe(false);
      expect(() => ledger.next()).toThrow(/before its first reset/);
      ledger.reset(0);
      expect(ledger.initialized).toBe(true);
    });
  });

  it("hands out consecutive nonces starting at the reset value", async () => {
    await withLedger("consecutive", (ledger) => {
      ledger.reset(42);
      expect(ledger.next()).toBe(42);
      const got = Array.from({ length: 5 }, () => ledger.reserve());
      expect(got).toEqual([42, 43, 44, 45, 46]);
      expect(ledger.next()).toBe(47);
      expect(ledger.snapshot()).toEqual({ next: 47, reserved: [42, 43, 44, 45, 46], sent: 0, free: [], unknown: [] });
    });
  });

  it("reset starts over: earlier slots are forgotten and `next` is the new value (even a lower one)", async () => {
    await withLedger("reset-again", (ledger) => {
      ledger.reset(10);
      ledger.commit(ledger.reserve(), hash(10));
      ledger.rollback(ledger.reserve());
      ledger.reserve();
      ledger.reset(3);
      expect(ledger.snapshot()).toEqual({ next: 3, reserved: [], sent: 0, free: [], unknown: [] });
      expect(ledger.reserve()).toBe(3);
    });
  });
});

describe("nonce ledger: transitions", () => {
  it("commit moves reserved → sent, rollback moves reserved → free", async () => {
    await withLedger("commit-rollback", (ledger) => {
      ledger.reset(0);
      const [a, b, c] = [ledger.reserve(), ledger.reserve(), ledger.reserve()];
      ledger.commit(a, hash(a));
      ledger.rollback(b);
      expect(ledger.snapshot()).toEqual({ next: 3, reserved: [c], sent: 1, free: [b], unknown: [] });
    });
  });

  it("reuses a rolled-back nonce before any new one, lowest first", async () => {
    await withLedger("reuse", (ledger) => {
      ledger.reset(100);
      const nonces = Array.from({ length: 6 }, () => ledger.reserve()); // 100..105
      // Roll back out of order: the ledger must still hand back the lowest first.
      for (const n of [104, 101, 103]) ledger.rollback(n);
      for (const n of [100, 102, 105]) ledger.commit(n, hash(n));
      expect(nonces).toEqual([100, 101, 102, 103, 104, 105]);
      expect(ledger.snapshot().free).toEqual([101, 103, 104]);

      expect(ledger.reserve()).toBe(101);
      expect(ledger.reserve()).toBe(103);
      expect(ledger.reserve()).toBe(104);
      // Reusing free slots did not advance `next`; only now does a fresh nonce come out.
      expect(ledger.next()).toBe(106);
      expect(ledger.reserve()).toBe(106);
      expect(ledger.snapshot()).toEqual({ next: 107, reserved: [101, 103, 104, 106], sent: 3, free: [], unknown: [] });
    });
  });

  it("a reused nonce can be committed with a new hash", async () => {
    await withLedger("reuse-commit", (ledger) => {
      ledger.reset(0);
      ledger.rollback(ledger.reserve());
      const again = ledger.reserve();
      expect(again).toBe(0);
      ledger.commit(again, hash(1));
      expect(ledger.snapshot()).toEqual({ next: 1, reserved: [], sent: 1, free: [], unknown: [] });
    });
  });

  it("markSigned keeps hash, raw bytes and send time; commit keeps the bytes for re-broadcast", async () => {
    await withLedger("signed", (ledger) => {
      ledger.reset(0);
      const n = ledger.reserve();
      ledger.markSigned(n, hash(1), "0x02f8aa", 1234);
      ledger.handOver(n, hash(1));
      expect(ledger.unknownSlots()).toEqual([{ nonce: 0, txHash: hash(1), raw: "0x02f8aa", sentAt: 1234 }]);
      ledger.commit(n, hash(1));
      expect(ledger.sentSlots([0])).toEqual([{ nonce: 0, txHash: hash(1), raw: "0x02f8aa", sentAt: 1234 }]);
      expect(() => ledger.markSigned(n, hash(2), "0x00", 1)).toThrow(/nonce 0/); // only from reserved
    });
  });

  it("keeps a submission's own unknown nonces out of other resolutions until it hands them over", async () => {
    await withLedger("in-flight", (ledger) => {
      ledger.reset(0);
      const n = ledger.reserve();
      ledger.markSigned(n, hash(1), "0x02", 5);
      expect(ledger.unknownSlots()).toEqual([]); // the burst that signed it is still waiting
      expect(ledger.resolve(n, hash(1), false)).toBe(false); // a stale look-up may not free it
      ledger.commit(n, hash(1)); // its own answer settles it
      const m = ledger.reserve();
      ledger.markSigned(m, hash(2), "0x03", 6);
      ledger.handOver(m, hash(9)); // another submission's hash: the claim stays
      expect(ledger.unknownSlots()).toEqual([]);
      ledger.handOver(m, hash(2)); // gave up without an answer
      expect(ledger.unknownSlots().map((s) => s.nonce)).toEqual([m]);
    });
  });

  it("a new instance over the same storage (a restart) sees every unknown nonce", async () => {
    await withLedger("in-flight-restart", (ledger, sql) => {
      ledger.reset(0);
      ledger.markSigned(ledger.reserve(), hash(1), "0x02", 5);
      expect(ledger.unknownSlots()).toEqual([]);
      expect(new NonceLedger(sql).unknownSlots().map((s) => s.nonce)).toEqual([0]);
    });
  });

  it("consume marks a nonce used by someone else, with nothing of ours to re-broadcast", async () => {
    await withLedger("consume", (ledger) => {
      ledger.reset(3);
      const n = ledger.reserve();
      ledger.markSigned(n, hash(3), "0x02", 1);
      ledger.consume(n);
      expect(ledger.snapshot()).toMatchObject({ sent: 1, unknown: [], free: [] });
      expect(ledger.sentSlots([3])).toEqual([]);
    });
  });

  it("releaseOrphans frees reservations that were never signed and keeps unknown ones", async () => {
    await withLedger("orphans", (ledger) => {
      ledger.reset(0);
      const [a, b, c] = [ledger.reserve(), ledger.reserve(), ledger.reserve()];
      ledger.markSigned(b, hash(2), "0x02", 1);
      void a;
      void c;
      expect(ledger.releaseOrphans()).toBe(2);
      expect(ledger.snapshot()).toEqual({ next: 3, reserved: [], sent: 0, free: [0, 2], unknown: [1] });
      expect(ledger.reserve()).toBe(0);
    });
  });

  it("release gives back unsigned reservations: the top ones lower `next`, one below another call's becomes free", async () => {
    await withLedger("release", (ledger) => {
      ledger.reset(10);
      const first = [ledger.reserve(), ledger.reserve()]; // 10, 11
      const other = ledger.reserve(); // 12: another call's
      const late = [ledger.reserve(), ledger.reserve()]; // 13, 14
      ledger.release(late);
      expect(ledger.snapshot()).toEqual({ next: 13, reserved: [10, 11, 12], sent: 0, free: [], unknown: [] });
      ledger.release(first);
      expect(ledger.snapshot()).toEqual({ next: 13, reserved: [12], sent: 0, free: [10, 11], unknown: [] });
      // A signed slot is never released: its bytes may be at the node.
      ledger.markSigned(other, hash(12), "0x0c", 1);
      ledger.release([other]);
      expect(ledger.snapshot()).toMatchObject({ next: 13, unknown: [12] });
      expect(ledger.reserve()).toBe(10);
    });
  });

  it("release lowers `next` over free nonces left at the top: a late burst's nonces, then the window above them", async () => {
    await withLedger("release-below-window", (ledger) => {
      ledger.reset(0);
      const burst = ledger.reserveMany(12); // taken from the window, then too late to send
      const window = ledger.reserveMany(8); // still in the window
      ledger.release(burst);
      expect(ledger.snapshot()).toMatchObject({ next: 20, free: burst });
      ledger.release(window);
      // Nothing left to fill: the account ends where it started.
      expect(ledger.snapshot()).toEqual({ next: 0, reserved: [], sent: 0, free: [], unknown: [] });
      // A rolled-back nonce at the top stays free when a release lowers nothing: settle closes it.
      const [a, b] = ledger.reserveMany(2);
      ledger.commit(a, hash(a));
      ledger.rollback(b);
      ledger.release([]);
      expect(ledger.snapshot()).toMatchObject({ next: 2, free: [1] });
    });
  });

  it("an unknown outcome keeps the hash; the slot then resolves by commit or by rollback", async () => {
    await withLedger("unknown", (ledger) => {
      ledger.reset(7);
      const [a, b] = [ledger.reserve(), ledger.reserve()];
      ledger.markSigned(a, hash(0xa), "0x0a", 1);
      ledger.markSigned(b, hash(0xb), "0x0b", 2);
      ledger.handOver(a, hash(0xa));
      ledger.handOver(b, hash(0xb));
      expect(ledger.snapshot()).toEqual({ next: 9, reserved: [], sent: 0, free: [], unknown: [7, 8] });
      expect(ledger.unknownSlots()).toEqual([
        { nonce: 7, txHash: hash(0xa), raw: "0x0a", sentAt: 1 },
        { nonce: 8, txHash: hash(0xb), raw: "0x0b", sentAt: 2 },
      ]);

      ledger.commit(a, hash(0xa)); // the node knew it
      ledger.rollback(b); // the node never saw it
      expect(ledger.unknownSlots()).toEqual([]);
      expect(ledger.snapshot()).toEqual({ next: 9, reserved: [], sent: 1, free: [8], unknown: [] });
      expect(ledger.reserve()).toBe(8);
    });
  });

  it("refuses illegal transitions and leaves the slot as it was", async () => {
    await withLedger("illegal", (ledger) => {
      ledger.reset(0);
      const sent = ledger.reserve();
      ledger.commit(sent, hash(1));
      const freed = ledger.reserve();
      ledger.rollback(freed);
      const before = ledger.snapshot();

      expect(() => ledger.commit(sent, hash(2))).toThrow(/nonce 0/); // commit twice
      expect(() => ledger.rollback(sent)).toThrow(/nonce 0/); // a sent nonce cannot come back
      expect(() => ledger.markSigned(sent, hash(3), "0x03", 3)).toThrow(/nonce 0/);
      expect(() => ledger.commit(99, hash(4))).toThrow(/nonce 99/); // never reserved
      expect(() => ledger.rollback(99)).toThrow(/nonce 99/);
      expect(() => ledger.commit(freed, hash(5))).toThrow(/nonce 1/); // free is not reserved
      expect(() => ledger.rollback(freed)).toThrow(/nonce 1/); // rollback twice

      expect(ledger.snapshot()).toEqual(before);
    });
  });
});

describe("nonce ledger: a burst's statements", () => {
  it("reserveMany hands out what reserve would, one by one: rolled-back nonces lowest first, then fresh ones", async () => {
    await withLedger("reserve-many", (ledger) => {
      ledger.reset(100);
      const first = ledger.reserveMany(6); // 100..105
      expect(first).toEqual([100, 101, 102, 103, 104, 105]);
      for (const nonce of [104, 101, 102]) ledger.rollback(nonce);
      expect(ledger.reserveMany(2)).toEqual([101, 102]);
      expect(ledger.reserveMany(3)).toEqual([104, 106, 107]);
      expect(ledger.reserveMany(0)).toEqual([]);
      expect(ledger.snapshot()).toEqual({ next: 108, reserved: [100, 101, 102, 103, 104, 105, 106, 107], sent: 0, free: [], unknown: [] });
    });
  });

  it("markSignedMany records every hash and raw bytes at once, and refuses a slot that is not reserved", async () => {
    await withLedger("mark-many", (ledger) => {
      ledger.reset(0);
      const nonces = ledger.reserveMany(3);
      ledger.markSignedMany(nonces.map((n) => ({ nonce: n, hash: hash(n), raw: `0x0${n}` })), 1_234);
      expect(ledger.snapshot().unknown).toEqual([0, 1, 2]);
      // Claimed by this submission: another resolution leaves them alone until handed over.
      expect(ledger.unknownSlots()).toEqual([]);
      for (const n of nonces) ledger.handOver(n, hash(n));
      expect(ledger.unknownSlots()).toEqual(nonces.map((n) => ({ nonce: n, txHash: hash(n), raw: `0x0${n}`, sentAt: 1_234 })));
      expect(() => ledger.markSignedMany([{ nonce: 1, hash: hash(9), raw: "0x09" }], 1)).toThrow(/not reserved/);
    });
  });

  it("finds each slot of a burst by its nonce, never by scanning the batch for every reserved slot", async () => {
    await withLedger("plan", (_ledger, sql) => {
      for (const [statement, bindings] of [[MARK_SIGNED_SQL, [0, "[]"]], [COMMIT_SQL, ["[]"]]] as const) {
        const plan = sql.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement}`, ...bindings).toArray().map((r) => r.detail);
        // The batch is the outer loop; the slot is a key lookup inside it.
        expect(plan[0]).toMatch(/^SCAN j VIRTUAL TABLE/);
        expect(plan[1]).toMatch(/^SEARCH nonce_slots USING INTEGER PRIMARY KEY/);
      }
    });
  });

  it("commitMany moves the slots that hold their hash and returns the others untouched", async () => {
    await withLedger("commit-many", (ledger) => {
      ledger.reset(0);
      const nonces = ledger.reserveMany(3);
      ledger.markSignedMany(nonces.map((n) => ({ nonce: n, hash: hash(n), raw: "0x01" })), 1);
      const stale = ledger.commitMany([
        { nonce: 0, hash: hash(0) },
        { nonce: 1, hash: hash(42) }, // a newer transaction holds nonce 1
        { nonce: 2, hash: hash(2) },
      ]);
      expect(stale).toEqual([{ nonce: 1, hash: hash(42) }]);
      expect(ledger.snapshot()).toMatchObject({ sent: 2, unknown: [1] });
      expect(ledger.sentSlots([0, 2]).map((s) => s.raw)).toEqual(["0x01", "0x01"]);
    });
  });
});

describe("nonce ledger: raiseFloor", () => {
  it("drops free slots below the floor and moves `next` up to it", async () => {
    await withLedger("floor-up", (ledger) => {
      ledger.reset(0);
      expect(Array.from({ length: 6 }, () => ledger.reserve())).toEqual([0, 1, 2, 3, 4, 5]);
      for (const n of [1, 3, 5]) ledger.rollback(n);
      for (const n of [0, 2, 4]) ledger.commit(n, hash(n));

      ledger.raiseFloor(10);
      // Free 1, 3, 5 are below the floor: the node has used them, so they must never be handed out.
      expect(ledger.snapshot()).toEqual({ next: 10, reserved: [], sent: 3, free: [], unknown: [] });
      expect(ledger.reserve()).toBe(10);
    });
  });

  it("keeps free slots at or above the floor, and never moves `next` backwards", async () => {
    await withLedger("floor-partial", (ledger) => {
      ledger.reset(20);
      expect(Array.from({ length: 5 }, () => ledger.reserve())).toEqual([20, 21, 22, 23, 24]);
      for (const n of [20, 22, 24]) ledger.rollback(n);

      ledger.raiseFloor(22);
      expect(ledger.snapshot()).toEqual({ next: 25, reserved: [21, 23], sent: 0, free: [22, 24], unknown: [] });

      ledger.raiseFloor(5); // a lower floor than `next` changes nothing
      expect(ledger.snapshot()).toEqual({ next: 25, reserved: [21, 23], sent: 0, free: [22, 24], unknown: [] });
      expect(ledger.reserve()).toBe(22);
    });
  });
});

describe("nonce ledger: persistence", () => {
  it("survives an object restart: `next` and the free list are read back from SQLite", async () => {
    const name = uniqueName("restart");
    const firstInstances = new WeakSet<object>();
    await runInDurableObject(stubFor(name), (instance, state) => {
      firstInstances.add(instance);
      const ledger = new NonceLedger(state.storage.sql);
      ledger.reset(5);
      const nonces = Array.from({ length: 5 }, () => ledger.reserve()); // 5..9
      ledger.commit(nonces[0], hash(5));
      ledger.rollback(nonces[1]);
      ledger.rollback(nonces[3]);
      ledger.commit(nonces[2], hash(7));
      ledger.markSigned(nonces[4], hash(9), "0x09", 9);
    });

    await abortAllDurableObjects();

    // A stub is bound to the aborted instance: a new one reaches the restarted object.
    await runInDurableObject(stubFor(name), (instance, state) => {
      // A new instance proves the restart happened (otherwise this would only test memory).
      expect(firstInstances.has(instance)).toBe(false);
      const ledger = new NonceLedger(state.storage.sql);
      expect(ledger.initialized).toBe(true);
      expect(ledger.next()).toBe(10);
      expect(ledger.snapshot()).toEqual({ next: 10, reserved: [], sent: 2, free: [6, 8], unknown: [9] });
      expect(ledger.unknownSlots()).toEqual([{ nonce: 9, txHash: hash(9), raw: "0x09", sentAt: 9 }]);
      expect(ledger.reserve()).toBe(6);
    });
  });
});
