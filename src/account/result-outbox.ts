/**
 * Results an account object has produced and its coordinator has not yet stored.
 *
 * Every result is written here, numbered, before it is returned. The coordinator folds a result
 * in when the answer arrives and acknowledges it only once its own checkpoint holds it; until
 * then the result stays here. So a coordinator that restarts, or a call whose answer was lost on
 * the way, costs nothing: the coordinator collects what it has not acknowledged and counts each
 * result exactly once, by its number.
 */
import type { BurstResult } from "./send-burst";

/** A result with its number in this account's outbox. */
export type Delivery<R extends BurstResult = BurstResult> = R & { seq: number };

const SEQ_KEY = "outbox-seq";

export class ResultOutbox {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)`);
  }

  /** Stores `result` under the next number. Synchronous: it is durable before the caller's next await. */
  deliver<R extends BurstResult>(result: R): Delivery<R> {
    // The counter lives apart from the rows: pruning every row must not let a number be reused.
    const seq = (this.storage.kv.get<number>(SEQ_KEY) ?? 0) + 1;
    this.storage.kv.put(SEQ_KEY, seq);
    const delivery = { ...result, seq };
    this.storage.sql.exec(`INSERT INTO outbox (seq, body) VALUES (?, ?)`, seq, JSON.stringify(delivery));
    return delivery;
  }

  /** The coordinator has stored everything up to `seq`: those rows go. */
  acknowledge(seq: number): void {
    this.storage.sql.exec(`DELETE FROM outbox WHERE seq <= ?`, seq);
  }

  /** Results numbered above `seq`, oldest first, at most `limit`. */
  since(seq: number, limit: number): Delivery[] {
    return this.storage.sql
      .exec<{ body: string }>(`SELECT body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?`, seq, limit)
      .toArray()
      .map((r) => JSON.parse(r.body) as Delivery);
  }

  /** A new run starts numbering from 1 again, with nothing left over. */
  clear(): void {
    this.storage.sql.exec(`DELETE FROM outbox`);
    this.storage.kv.put(SEQ_KEY, 0);
  }
}
