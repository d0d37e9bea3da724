/**
 * The coordinator's durable state, in its own SQLite storage: the run record, the account list,
 * the live run's checkpoint, and the queues of rows on their way to D1.
 *
 * A checkpoint is written in one synchronous call, so it is atomic (the storage commits a
 * synchronous run of writes together): the tracker's snapshot, the records and watermarks that
 * changed, the accounts' delivery marks and the rows for D1 either all land or none does. That is
 * what lets a restarted coordinator continue without losing or double-counting anything.
 */
import { jsonArrays } from "../json-batches";
import type { TestMetrics } from "../metrics/test-metrics";
import type { DeliveryMark } from "./account-fleet";
import type { MinedNoncesData } from "./mined-nonces";
import type { AccountSlot, LiveRun, RunRecord } from "./run-state";
import { isBatch } from "./sent-batch";
import { batchOverlayKey, overlayKey, unitKey, type TrackerChanges, type TrackerSnapshot, type TxLog, type TxRecord, type TxUnit } from "./tracker";

/**
 * The live run as plain JSON: its scalars, the tracker's snapshot (its records and mined nonces
 * are stored apart), and neither the fleet nor the rescan, which a restore rebuilds.
 */
export type LiveScalars = Omit<LiveRun, "tracker" | "fleet" | "unsettled" | "rescanFrom" | "rescanAttempts"> & {
  unsettled: number[] | null;
  tracker: TrackerSnapshot;
};

export interface Checkpoint {
  scalars: LiveScalars;
  tracker: TrackerChanges;
  marks: Array<[number, DeliveryMark]>;
  logs: TxLog[];
  /** Closed seconds, as the rows D1 will hold. */
  seconds: Array<Record<string, unknown> & { second: number }>;
}

export interface Restored {
  scalars: LiveScalars;
  /** Batches (their slots that left taken out: an overlay's record beside them, or gone) and records. */
  records: TxUnit[];
  watermarks: Array<[string, MinedNoncesData]>;
  marks: Array<[number, DeliveryMark]>;
}

const RUN_KEY = "run";
const ACCOUNTS_KEY = "accounts";
const FINAL_KEY = "final";
const LIVE_KEY = "live";
const STOP_KEY = "stop-requested";

export class RunStore {
  private readonly sql: SqlStorage;
  private readonly kv: DurableObjectStorage["kv"];

  constructor(storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.kv = storage.kv;
    // The tracker's records by the page (tracker.ts), in parts under SQLite's cap on a value, and
    // the overlays of records changed since their page was written, by `overlayKey`.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS record_pages (page INTEGER NOT NULL, part INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (page, part))`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS record_overlays (id TEXT PRIMARY KEY, page INTEGER NOT NULL, body TEXT NOT NULL)`);
    this.sql.exec(`CREATE INDEX IF NOT EXISTS record_overlays_page ON record_overlays (page)`);
    // Per page and checkpoint: the first hashes of its records forgotten while it lived on.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS record_gone (page INTEGER NOT NULL, body TEXT NOT NULL)`);
    this.sql.exec(`CREATE INDEX IF NOT EXISTS record_gone_page ON record_gone (page)`);
    // One row per record, as checkpoints before pages wrote them: read on restore, then dropped.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS live_records (id TEXT PRIMARY KEY, body TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS mined_nonces (account TEXT PRIMARY KEY, body TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS delivery_marks (account INTEGER PRIMARY KEY, applied INTEGER NOT NULL, above TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS log_queue (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, count INTEGER NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS series_queue (second INTEGER PRIMARY KEY, body TEXT NOT NULL)`);
  }

  loadRecord(): RunRecord | undefined {
    const run = this.kv.get<RunRecord>(RUN_KEY);
    if (run && this.kv.get<boolean>(STOP_KEY)) run.stopRequested = true;
    return run;
  }

  /** `/stop`, durable at once and apart from the record (which goes with the checkpoint). */
  saveStopRequest(): void {
    this.kv.put(STOP_KEY, true);
  }

  saveRecord(run: RunRecord): void {
    this.kv.put(RUN_KEY, run);
  }

  loadAccounts(): AccountSlot[] {
    return this.kv.get<AccountSlot[]>(ACCOUNTS_KEY) ?? [];
  }

  saveAccounts(accounts: AccountSlot[]): void {
    this.kv.put(ACCOUNTS_KEY, accounts);
  }

  loadFinal(): TestMetrics | undefined {
    return this.kv.get<TestMetrics>(FINAL_KEY);
  }

  saveFinal(metrics: TestMetrics): void {
    this.kv.put(FINAL_KEY, metrics);
  }

  /** Everything the tick changed, in one synchronous (so atomic) write. */
  checkpoint(c: Checkpoint): void {
    this.kv.put(LIVE_KEY, c.scalars);
    // One statement per table and bounded chunk of rows: a statement costs far more than a row, and
    // one parameter must stay under SQLite's size cap however large the tick (a 60,000 burst).
    for (const { page, records } of c.tracker.pages) {
      jsonArrays(records).forEach(({ json }, part) => this.sql.exec(`INSERT OR REPLACE INTO record_pages (page, part, body) VALUES (?, ?, ?)`, page, part, json));
    }
    for (const { json } of jsonArrays(c.tracker.put.map((unit) => [unitKey(unit), unit.page, unit]))) {
      this.sql.exec(`INSERT OR REPLACE INTO record_overlays (id, page, body) SELECT value ->> '$[0]', value ->> '$[1]', value -> '$[2]' FROM json_each(?)`, json);
    }
    for (const { json } of jsonArrays(c.tracker.gone)) {
      this.sql.exec(`INSERT INTO record_gone (page, body) SELECT value ->> '$.page', value -> '$.hashes' FROM json_each(?)`, json);
    }
    for (const { json } of jsonArrays(c.tracker.drop)) {
      this.sql.exec(`DELETE FROM record_overlays WHERE id IN (SELECT value FROM json_each(?))`, json);
      this.sql.exec(`DELETE FROM live_records WHERE id IN (SELECT value FROM json_each(?))`, json);
    }
    // Last: a page dropped takes whatever of it this checkpoint wrote too.
    for (const { json } of jsonArrays(c.tracker.dropPages)) {
      for (const table of ["record_pages", "record_overlays", "record_gone"]) this.sql.exec(`DELETE FROM ${table} WHERE page IN (SELECT value FROM json_each(?))`, json);
    }
    for (const { json } of jsonArrays(c.tracker.watermarks)) {
      this.sql.exec(`INSERT OR REPLACE INTO mined_nonces (account, body) SELECT value ->> '$[0]', value -> '$[1]' FROM json_each(?)`, json);
    }
    for (const { json } of jsonArrays(c.marks)) {
      this.sql.exec(
        `INSERT OR REPLACE INTO delivery_marks (account, applied, above)
         SELECT value ->> '$[0]', value ->> '$[1].applied', value -> '$[1].above' FROM json_each(?)`,
        json,
      );
    }
    for (const { json, count } of jsonArrays(c.logs)) this.sql.exec(`INSERT INTO log_queue (body, count) VALUES (?, ?)`, json, count);
    for (const row of c.seconds) this.sql.exec(`INSERT OR REPLACE INTO series_queue (second, body) VALUES (?, ?)`, row.second, JSON.stringify(row));
  }

  /** The last checkpoint, or undefined if the run never got to one. */
  restore(): Restored | undefined {
    const scalars = this.kv.get<LiveScalars>(LIVE_KEY);
    if (!scalars) return undefined;
    return {
      scalars,
      records: this.records(),
      watermarks: this.sql
        .exec<{ account: string; body: string }>(`SELECT account, body FROM mined_nonces`)
        .toArray()
        .map((r) => [r.account, JSON.parse(r.body) as MinedNoncesData]),
      marks: this.sql
        .exec<{ account: number; applied: number; above: string }>(`SELECT account, applied, above FROM delivery_marks`)
        .toArray()
        .map((r) => [r.account, { applied: r.applied, above: JSON.parse(r.above) as number[] }]),
    };
  }

  /**
   * The live batches and records: every page's, gone ones left out and overlays applied (a batch's
   * own, then its slots'), and the records of older checkpoints' own rows.
   */
  private records(): TxUnit[] {
    const gone = new Set<string>();
    for (const row of this.sql.exec<{ page: number; body: string }>(`SELECT page, body FROM record_gone`)) {
      for (const hash of JSON.parse(row.body) as string[]) gone.add(overlayKey({ page: row.page, hashes: [hash] }));
    }
    const overlays = new Map<string, TxUnit>();
    for (const row of this.sql.exec<{ id: string; body: string }>(`SELECT id, body FROM record_overlays`)) overlays.set(row.id, JSON.parse(row.body) as TxUnit);
    const records: TxUnit[] = [];
    for (const row of this.sql.exec<{ body: string }>(`SELECT body FROM record_pages ORDER BY page, part`)) {
      for (const paged of JSON.parse(row.body) as TxUnit[]) {
        if (!isBatch(paged)) {
          const key = overlayKey(paged);
          if (!gone.has(key)) records.push(overlays.get(key) ?? paged);
          continue;
        }
        // Its latest state; but the page's copy names every slot that left since, overlay or not.
        const batch = (overlays.get(batchOverlayKey(paged)) ?? paged) as typeof paged;
        paged.hashes.forEach((hash, slot) => {
          if (hash === null) return;
          // The slot's transaction left the batch: forgotten since, or a record whose overlay holds it.
          const key = overlayKey({ page: batch.page, hashes: [hash] });
          const left = gone.has(key) ? undefined : overlays.get(key);
          if (left) records.push(left);
          if (left || gone.has(key)) batch.hashes[slot] = null;
        });
        records.push(batch);
      }
    }
    for (const row of this.sql.exec<{ body: string }>(`SELECT body FROM live_records`)) records.push(JSON.parse(row.body) as TxRecord);
    return records;
  }

  /** The oldest queued transaction logs, up to about `maxRows` of them, and the id to drop through. */
  peekLogs(maxRows: number): { logs: TxLog[]; through: number } {
    const logs: TxLog[] = [];
    let through = 0;
    for (const row of this.sql.exec<{ id: number; body: string; count: number }>(`SELECT id, body, count FROM log_queue ORDER BY id`)) {
      if (logs.length > 0 && logs.length + row.count > maxRows) break;
      logs.push(...(JSON.parse(row.body) as TxLog[]));
      through = row.id;
    }
    return { logs, through };
  }

  dropLogs(through: number): void {
    this.sql.exec(`DELETE FROM log_queue WHERE id <= ?`, through);
  }

  peekSeconds(max: number): Array<Record<string, unknown> & { second: number }> {
    return this.sql
      .exec<{ body: string }>(`SELECT body FROM series_queue ORDER BY second LIMIT ?`, max)
      .toArray()
      .map((r) => JSON.parse(r.body));
  }

  dropSeconds(through: number): void {
    this.sql.exec(`DELETE FROM series_queue WHERE second <= ?`, through);
  }

  /** Rows still on their way to D1. */
  queued(): { logs: number; seconds: number } {
    return {
      logs: this.sql.exec<{ n: number }>(`SELECT COALESCE(SUM(count), 0) AS n FROM log_queue`).one().n,
      seconds: this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM series_queue`).one().n,
    };
  }

  /** The run is over and its rows are in D1: the live state goes, the record and final figures stay. */
  clearLive(): void {
    this.kv.delete(LIVE_KEY);
    for (const table of ["record_pages", "record_overlays", "record_gone", "live_records", "mined_nonces", "delivery_marks", "log_queue", "series_queue"]) this.sql.exec(`DELETE FROM ${table}`);
  }
}
