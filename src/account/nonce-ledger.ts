/**
 * The nonce ledger of one sender, kept in its Durable Object's SQLite storage.
 *
 * Every method is synchronous on purpose: a nonce is reserved before the caller's first `await`,
 * so no other call into the object can interleave between choosing a nonce and recording it.
 *
 *   reserve ──► reserved ──commit──► sent
 *                   │
 *                   ├──rollback──► free (reused before any new nonce: no gap is left behind)
 *                   └──markUnknown──► unknown (resolved later by asking the node)
 */

export type SlotState = "reserved" | "sent" | "free" | "unknown";

export interface LedgerSnapshot {
  next: number;
  reserved: number[];
  sent: number;
  free: number[];
  unknown: number[];
}

export class NonceLedger {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS nonce_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS nonce_slots (
      nonce INTEGER PRIMARY KEY,
      state TEXT NOT NULL,
      tx_hash TEXT
    )`);
  }

  /** Starts over from the node's view: nothing reserved, the next nonce is `next`. */
  reset(next: number): void {
    this.sql.exec(`DELETE FROM nonce_slots`);
    this.setNext(next);
  }

  get initialized(): boolean {
    return this.sql.exec(`SELECT v FROM nonce_meta WHERE k = 'next'`).toArray().length > 0;
  }

  /** The lowest rolled-back nonce if any, else a fresh one. */
  reserve(): number {
    const free = this.sql.exec<{ nonce: number }>(
      `SELECT nonce FROM nonce_slots WHERE state = 'free' ORDER BY nonce LIMIT 1`,
    ).toArray()[0];
    if (free) {
      this.sql.exec(`UPDATE nonce_slots SET state = 'reserved', tx_hash = NULL WHERE nonce = ?`, free.nonce);
      return free.nonce;
    }
    const nonce = this.next();
    this.sql.exec(`INSERT INTO nonce_slots (nonce, state) VALUES (?, 'reserved')`, nonce);
    this.setNext(nonce + 1);
    return nonce;
  }

  /** The node has the transaction (accepted, or "already known"). */
  commit(nonce: number, txHash: string): void {
    this.transition(nonce, ["reserved", "unknown"], "sent", txHash);
  }

  /** The transaction certainly did not reach the node: the nonce goes back to be reused first. */
  rollback(nonce: number): void {
    this.transition(nonce, ["reserved", "unknown"], "free", null);
  }

  /** The outcome is not known (response lost): keep the hash so the node can be asked later. */
  markUnknown(nonce: number, txHash: string): void {
    this.transition(nonce, ["reserved"], "unknown", txHash);
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

  unknownSlots(): Array<{ nonce: number; txHash: string }> {
    return this.sql
      .exec<{ nonce: number; tx_hash: string }>(`SELECT nonce, tx_hash FROM nonce_slots WHERE state = 'unknown' ORDER BY nonce`)
      .toArray()
      .map((r) => ({ nonce: r.nonce, txHash: r.tx_hash }));
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

  private setNext(next: number): void {
    this.sql.exec(`INSERT INTO nonce_meta (k, v) VALUES ('next', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, next);
  }

  private transition(nonce: number, from: SlotState[], to: SlotState, txHash: string | null): void {
    const placeholders = from.map(() => "?").join(", ");
    const cursor = this.sql.exec(
      `UPDATE nonce_slots SET state = ?, tx_hash = COALESCE(?, tx_hash) WHERE nonce = ? AND state IN (${placeholders})`,
      to,
      txHash,
      nonce,
      ...from,
    );
    if (cursor.rowsWritten !== 1) {
      throw new Error(`nonce ${nonce}: cannot move to ${to} (not ${from.join(" or ")})`);
    }
  }
}
