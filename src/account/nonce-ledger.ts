/**
 * The nonce ledger of one sender, kept in its Durable Object's SQLite storage.
 *
 * Every method is synchronous on purpose: a nonce is reserved before the caller's first `await`,
 * so no other call into the object can interleave between choosing a nonce and recording it.
 *
 *   reserve ──► reserved ──markSigned──► unknown ──commit──► sent
 *                   │                       │
 *                   └──────rollback─────────┴──rollback──► free (reused before any new nonce)
 *
 * A signed transaction is `unknown` from the moment before its request leaves until the node
 * answers: if the object dies in between, the hash and raw bytes are there to ask the node.
 */

import { jsonArrays } from "../json-batches";

export type SlotState = "reserved" | "sent" | "free" | "unknown";

export interface LedgerSnapshot {
  next: number;
  reserved: number[];
  sent: number;
  free: number[];
  unknown: number[];
}

export interface SignedSlot {
  nonce: number;
  txHash: string;
  raw: string | null;
  sentAt: number | null;
}

type SlotRow = {
  nonce: number;
  tx_hash: string;
  raw: string | null;
  sent_at: number | null;
};

/**
 * A burst's updates, one statement for many slots (`updateEach`). They write `+nonce_slots.state`:
 * the unary plus keeps SQLite off any index on the state, which it once picked as the outer loop,
 * scanning the whole batch for every reserved row (quadratic: the largest CPU cost in a profile
 * under load). Without it the batch drives the loop and each slot is found by its nonce, the key.
 */
export const MARK_SIGNED_SQL = `UPDATE nonce_slots SET state = 'unknown', tx_hash = j.value ->> '$.hash', raw = j.value ->> '$.raw', sent_at = ?
  FROM json_each(?) AS j
  WHERE nonce_slots.nonce = j.value ->> '$.nonce' AND +nonce_slots.state = 'reserved' RETURNING nonce_slots.nonce AS nonce`;

export const COMMIT_SQL = `UPDATE nonce_slots SET state = 'sent', tx_hash = j.value ->> '$.hash'
  FROM json_each(?) AS j
  WHERE nonce_slots.nonce = j.value ->> '$.nonce' AND +nonce_slots.state IN ('reserved', 'unknown')
    AND (nonce_slots.tx_hash IS NULL OR nonce_slots.tx_hash = j.value ->> '$.hash')
  RETURNING nonce_slots.nonce AS nonce`;

const toSignedSlot = (r: SlotRow): SignedSlot => ({ nonce: r.nonce, txHash: r.tx_hash, raw: r.raw, sentAt: r.sent_at });

export class NonceLedger {
  /**
   * Nonces whose submission is under way in this instance (signed, answer awaited). They are
   * `unknown` in storage, but theirs to settle: a resolution started by another call must leave
   * them alone. In memory on purpose: after a restart nothing is under way any more.
   */
  private readonly inFlight = new Map<number, string>();
  private known = false;
  /**
   * Whether an `unknown` slot may exist that no submission here waits on. Only two things leave
   * one: a restart (this instance starts with it set) and a submission that hands its slot over.
   * Cleared when a look-up finds none, so the object's every collect does not scan the slots.
   */
  private unknownLeft = true;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS nonce_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS nonce_slots (
      nonce INTEGER PRIMARY KEY,
      state TEXT NOT NULL,
      tx_hash TEXT,
      raw TEXT,
      sent_at INTEGER
    )`);
    // reserve() looks for the lowest free nonce on every burst: without an index that is a scan of
    // every slot. Only free slots are indexed: every slot moves reserved → unknown → sent, and an
    // index over all states was rewritten at each move (a B-tree delete and insert per slot and
    // state, on the hot path); free slots are the few that faults leave. Ledgers from before this
    // index lose the old one.
    sql.exec(`DROP INDEX IF EXISTS nonce_slots_state`);
    sql.exec(`CREATE INDEX IF NOT EXISTS nonce_slots_free ON nonce_slots (nonce) WHERE state = 'free'`);
  }

  /** Starts over from the node's view: nothing reserved, the next nonce is `next`. */
  reset(next: number): void {
    this.sql.exec(`DELETE FROM nonce_slots`);
    this.setNext(next);
  }

  get initialized(): boolean {
    // Once initialized, always: the meta row is never deleted (reset rewrites it).
    this.known ||= this.sql.exec(`SELECT v FROM nonce_meta WHERE k = 'next'`).toArray().length > 0;
    return this.known;
  }

  /** The lowest rolled-back nonce if any, else a fresh one. */
  reserve(): number {
    return this.reserveMany(1)[0];
  }

  /**
   * `count` nonces at once, as `reserve()` would hand them out one by one: rolled-back ones first,
   * lowest first, then fresh ones. A few statements whatever the count: a burst's hot path.
   */
  reserveMany(count: number): number[] {
    if (count <= 0) return [];
    const reused = this.sql
      .exec<{ nonce: number }>(
        `UPDATE nonce_slots SET state = 'reserved', tx_hash = NULL, raw = NULL, sent_at = NULL
         WHERE nonce IN (SELECT nonce FROM nonce_slots WHERE state = 'free' ORDER BY nonce LIMIT ?) RETURNING nonce`,
        count,
      )
      .toArray()
      .map((r) => r.nonce)
      .sort((a, b) => a - b);
    const fresh = count - reused.length;
    if (fresh === 0) return reused;
    const first = this.next();
    this.sql.exec(
      `WITH RECURSIVE seq(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
       INSERT INTO nonce_slots (nonce, state) SELECT n, 'reserved' FROM seq`,
      first,
      first + fresh - 1,
    );
    this.setNext(first + fresh);
    return [...reused, ...Array.from({ length: fresh }, (_, i) => first + i)];
  }

  /** Signed and about to be sent: from here on only the node can say what became of it. */
  markSigned(nonce: number, txHash: string, raw: string, sentAt: number): void {
    this.markSignedMany([{ nonce, hash: txHash, raw }], sentAt);
  }

  /** `markSigned` for a whole burst, in one statement. Every slot must be `reserved`. */
  markSignedMany(txs: ReadonlyArray<{ nonce: number; hash: string; raw: string }>, sentAt: number): void {
    if (txs.length === 0) return;
    const moved = this.updateEach(MARK_SIGNED_SQL, txs.map(({ nonce, hash, raw }) => ({ nonce, hash, raw })), sentAt);
    const refused = txs.filter((tx) => !moved.has(tx.nonce)).map((tx) => tx.nonce);
    if (refused.length > 0) throw new Error(`nonce ${refused.join(", ")}: cannot move to unknown (not reserved)`);
    for (const tx of txs) this.inFlight.set(tx.nonce, tx.hash);
  }

  /**
   * The submission of `txHash` is over without settling the slot: it stays `unknown` for a later
   * resolution. Only that submission's claim is released, not a newer one on a reused nonce.
   */
  handOver(nonce: number, txHash: string): void {
    if (this.inFlight.get(nonce) !== txHash) return;
    this.inFlight.delete(nonce);
    this.unknownLeft = true;
  }

  /** The node has the transaction (accepted, or "already known"). The raw bytes stay for re-broadcast. */
  commit(nonce: number, txHash: string): void {
    this.transition(nonce, ["reserved", "unknown"], "sent", { txHash }, txHash);
  }

  /**
   * `commit` for many transactions in one statement: each slot moves only if it still holds that
   * hash (or none yet). Those that do not are left as they are and returned, for the caller to decide.
   */
  commitMany(txs: ReadonlyArray<{ nonce: number; hash: string }>): Array<{ nonce: number; hash: string }> {
    if (txs.length === 0) return [];
    const moved = this.updateEach(COMMIT_SQL, txs.map(({ nonce, hash }) => ({ nonce, hash })));
    for (const nonce of moved) this.inFlight.delete(nonce);
    return txs.filter((tx) => !moved.has(tx.nonce));
  }

  /**
   * A sent transaction was replaced at the node by `txHash` (fee bump, or a closing self-transfer).
   * False if the row is gone: the nonce was mined meanwhile and pruned, nothing is left to update.
   */
  replaceSent(nonce: number, txHash: string, raw: string): boolean {
    if (this.sql.exec(`SELECT 1 FROM nonce_slots WHERE nonce = ? AND state = 'sent'`, nonce).toArray().length === 0) return false;
    this.transition(nonce, ["sent"], "sent", { txHash, raw });
    return true;
  }

  /** The nonce was used by another transaction: nothing of ours to re-broadcast. */
  consume(nonce: number, txHash?: string): void {
    this.transition(nonce, ["reserved", "unknown"], "sent", { raw: null }, txHash);
  }

  /**
   * The transaction certainly is not at the node: the nonce goes back to be reused first. With
   * `txHash`, only if the slot still holds that transaction (not a newer one on the reused nonce).
   */
  rollback(nonce: number, txHash?: string): void {
    this.transition(nonce, ["reserved", "unknown"], "free", { raw: null }, txHash);
  }

  /**
   * Gives back reservations that were never signed for (a send that came too late to leave). From
   * the top down: the highest reserved nonce lowers `next`, so a run that ends leaves no gap to
   * fill; one below another call's reservation becomes free for reuse like any rollback, and goes
   * too once what was above it has been given back.
   */
  release(nonces: number[]): void {
    let lowered = false;
    for (const nonce of [...nonces].sort((a, b) => b - a)) {
      const removed = this.sql.exec(`DELETE FROM nonce_slots WHERE nonce = ? AND state = 'reserved' RETURNING nonce`, nonce).toArray().length === 1;
      if (!removed) continue;
      if (nonce === this.next() - 1) {
        this.setNext(nonce);
        lowered = true;
      } else this.sql.exec(`INSERT INTO nonce_slots (nonce, state) VALUES (?, 'free')`, nonce);
    }
    // Free nonces this release brought to the top (given back earlier, right below what was just
    // released) go too: a late burst that took from the signed-ahead window gives its nonces back
    // before the window does. Only a release that lowered `next` continues it.
    for (let top = this.next() - 1; lowered; top--) {
      const freed = this.sql.exec(`DELETE FROM nonce_slots WHERE nonce = ? AND state = 'free' RETURNING nonce`, top).toArray().length === 1;
      if (!freed) break;
      this.setNext(top);
    }
  }

  /**
   * Settles an `unknown` slot from the node's answer, if it is still unknown with that hash (two
   * resolutions may race across an await; the second finds nothing left to do). True if applied.
   */
  resolve(nonce: number, txHash: string, nodeHasIt: boolean): boolean {
    // Reserved again and re-signed to the same bytes meanwhile: the new submission decides.
    if (this.inFlight.has(nonce)) return false;
    const cursor = this.sql.exec(
      `UPDATE nonce_slots SET state = ?, raw = CASE WHEN ? THEN raw ELSE NULL END
       WHERE nonce = ? AND state = 'unknown' AND tx_hash = ? RETURNING nonce`,
      nodeHasIt ? "sent" : "free",
      nodeHasIt ? 1 : 0,
      nonce,
      txHash,
    );
    const applied = cursor.toArray().length === 1;
    if (applied) this.inFlight.delete(nonce);
    return applied;
  }

  /**
   * After a restart no send of this object is under way, so a nonce still `reserved` was never
   * signed, let alone sent: it goes back to be reused. `unknown` ones stay for the node to decide.
   */
  releaseOrphans(): number {
    return this.sql.exec(`UPDATE nonce_slots SET state = 'free' WHERE state = 'reserved' RETURNING nonce`).toArray().length;
  }

  /**
   * The node says every nonce below `floor` is used. Free slots below it can never be sent again,
   * so they are dropped; reserved ones stay, since a send under way must still be able to commit.
   * The next fresh nonce is at least `floor`; it never moves backwards.
   */
  raiseFloor(floor: number): void {
    this.sql.exec(`DELETE FROM nonce_slots WHERE nonce < ? AND state = 'free'`, floor);
    if (this.next() < floor) this.setNext(floor);
  }

  /** A rolled-back nonce waits to be reused: nothing may be reserved past it ahead of time. */
  hasFree(): boolean {
    return this.sql.exec(`SELECT 1 FROM nonce_slots WHERE state = 'free' LIMIT 1`).toArray().length > 0;
  }

  /** Unknown outcomes that no submission of this instance is still waiting on. */
  unknownSlots(): SignedSlot[] {
    if (!this.unknownLeft) return [];
    const slots = this.signedSlots("unknown").filter((s) => !this.inFlight.has(s.nonce));
    this.unknownLeft = slots.length > 0;
    return slots;
  }

  /** Sent transactions with their raw bytes, for re-broadcasting the ones that are stuck. A lookup, not a scan. */
  sentSlots(nonces: number[]): SignedSlot[] {
    if (nonces.length === 0) return [];
    return this.sql
      .exec<SlotRow>(
        `SELECT nonce, tx_hash, raw, sent_at FROM nonce_slots
         WHERE nonce IN (SELECT value FROM json_each(?)) AND state = 'sent' AND raw IS NOT NULL ORDER BY nonce`,
        JSON.stringify(nonces),
      )
      .toArray()
      .map(toSignedSlot);
  }

  /**
   * The chain has mined every nonce below `minedBelow`: their rows can never be re-broadcast,
   * replaced or resolved again, so they go. Keeps the ledger as small as what is in flight.
   */
  pruneMined(minedBelow: number): number {
    return this.sql.exec(`DELETE FROM nonce_slots WHERE nonce < ? AND state = 'sent' RETURNING nonce`, minedBelow).toArray().length;
  }

  /** Rows kept, whatever their state: what the pruning is measured by. */
  size(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM nonce_slots`).one().n;
  }

  next(): number {
    const row = this.sql.exec<{ v: number }>(`SELECT v FROM nonce_meta WHERE k = 'next'`).toArray()[0];
    if (!row) throw new Error("nonce ledger used before its first reset");
    return row.v;
  }

  snapshot(): LedgerSnapshot {
    const byState = (state: SlotState) =>
      this.sql
        .exec<{ nonce: number }>(`SELECT nonce FROM nonce_slots WHERE state = ? ORDER BY nonce`, state)
        .toArray()
        .map((r) => r.nonce);
    return {
      next: this.next(),
      reserved: byState("reserved"),
      sent: byState("sent").length,
      free: byState("free"),
      unknown: byState("unknown"),
    };
  }

  private signedSlots(state: SlotState): SignedSlot[] {
    return this.sql
      .exec<SlotRow>(`SELECT nonce, tx_hash, raw, sent_at FROM nonce_slots WHERE state = ? ORDER BY nonce`, state)
      .toArray()
      .map(toSignedSlot);
  }

  /**
   * Runs an `UPDATE … FROM json_each(?)` over `rows` in as few statements as SQLite's size cap
   * allows (raw bytes make a burst's rows large), `before` binding ahead of the JSON; the nonces it
   * moved.
   */
  private updateEach(statement: string, rows: readonly unknown[], ...before: SqlStorageValue[]): Set<number> {
    const moved = new Set<number>();
    for (const { json } of jsonArrays(rows)) {
      for (const r of this.sql.exec<{ nonce: number }>(statement, ...before, json)) moved.add(r.nonce);
    }
    return moved;
  }

  private setNext(next: number): void {
    this.sql.exec(`INSERT INTO nonce_meta (k, v) VALUES ('next', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, next);
  }

  /** Moves one slot between states; `undefined` fields are kept, `null` ones cleared. */
  private transition(
    nonce: number,
    from: SlotState[],
    to: SlotState,
    fields: { txHash?: string; raw?: string | null; sentAt?: number },
    /** A signed slot moves only if it still holds this transaction: a submission settles its own, never a newer one's. */
    expectHash?: string,
  ): void {
    const placeholders = from.map(() => "?").join(", ");
    const cursor = this.sql.exec(
      `UPDATE nonce_slots SET state = ?,
         tx_hash = COALESCE(?, tx_hash),
         raw = CASE WHEN ? THEN ? ELSE raw END,
         sent_at = COALESCE(?, sent_at)
       WHERE nonce = ? AND state IN (${placeholders}) AND (? IS NULL OR tx_hash IS NULL OR tx_hash = ?) RETURNING nonce`,
      to,
      fields.txHash ?? null,
      fields.raw !== undefined ? 1 : 0,
      fields.raw ?? null,
      fields.sentAt ?? null,
      nonce,
      ...from,
      expectHash ?? null,
      expectHash ?? null,
    );
    // RETURNING, not rowsWritten: the latter also counts the index entries an update rewrites.
    if (cursor.toArray().length !== 1) {
      throw new Error(`nonce ${nonce}: cannot move to ${to} (not ${from.join(" or ")}${expectHash ? ` holding ${expectHash}` : ""})`);
    }
    if (to !== "unknown") this.inFlight.delete(nonce);
  }
}
