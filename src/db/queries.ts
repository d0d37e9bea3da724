/** Every D1 read and write of the product, through drizzle. */
import { and, count, desc, eq, ne, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { contracts, testRuns, timeSeries, txLogs, type ContractRow, type TestRunRow } from "./schema";
import type { TxLog } from "../run/tracker";

export type Db = DrizzleD1Database;
export const database = (d1: D1Database): Db => drizzle(d1);

export type NewRun = typeof testRuns.$inferInsert;

/** Inserts a live run; false when another run is live (the unique index on `active` decides). */
export async function claimActiveRun(db: Db, run: NewRun): Promise<boolean> {
  try {
    await db.insert(testRuns).values({ ...run, active: 1 });
    return true;
  } catch (err) {
    if (/UNIQUE constraint failed/i.test(String((err as Error)?.message ?? err) + String((err as { cause?: unknown })?.cause ?? ""))) return false;
    throw err;
  }
}

/** The pattern of the row a recycle holds the one-run lock with: not a run, and no sender plan. */
export const RECYCLE_PATTERN = "recycle";

/** How many senders each earlier run had, and its request (which names its regions), newest first. */
export async function runSenderPlans(db: Db): Promise<Array<{ numAccounts: number | null; config: unknown }>> {
  return db
    .select({ numAccounts: testRuns.numAccounts, config: testRuns.config })
    .from(testRuns)
    .where(ne(testRuns.pattern, RECYCLE_PATTERN))
    .orderBy(desc(testRuns.createdAt));
}

export async function updateRun(db: Db, id: string, fields: Partial<NewRun>): Promise<void> {
  await db.update(testRuns).set(fields).where(eq(testRuns.id, id));
}

export async function activeRun(db: Db): Promise<TestRunRow | undefined> {
  return (await db.select().from(testRuns).where(eq(testRuns.active, 1)).limit(1))[0];
}

export async function latestRun(db: Db): Promise<TestRunRow | undefined> {
  return (await db.select().from(testRuns).orderBy(desc(testRuns.createdAt)).limit(1))[0];
}

export async function getRun(db: Db, id: string): Promise<TestRunRow | undefined> {
  return (await db.select().from(testRuns).where(eq(testRuns.id, id)).limit(1))[0];
}

/** What the history can be narrowed to; `search` is a case-insensitive part of the name, custom name or id. */
export interface RunFilters {
  status?: string;
  pattern?: string;
  favorite?: boolean;
  search?: string;
}

export async function listRuns(db: Db, limit: number, offset: number, filters: RunFilters = {}): Promise<{ runs: TestRunRow[]; total: number }> {
  const where = and(
    filters.status === undefined ? undefined : eq(testRuns.status, filters.status),
    filters.pattern === undefined ? undefined : eq(testRuns.pattern, filters.pattern),
    filters.favorite === undefined ? undefined : eq(testRuns.isFavorite, filters.favorite),
    filters.search === undefined ? undefined : namedLike(filters.search),
  );
  const [runs, [{ total }]] = await Promise.all([
    db.select().from(testRuns).where(where).orderBy(desc(testRuns.createdAt)).limit(limit).offset(offset),
    db.select({ total: count() }).from(testRuns).where(where),
  ]);
  return { runs, total };
}

/** The run's names or id contain `text` (LIKE ignores ASCII case; `%` and `_` in it are taken literally). */
function namedLike(text: string) {
  const pattern = `%${text.replace(/[\\%_]/g, "\\$&")}%`;
  return sql`(coalesce(${testRuns.customName}, '') || ' ' || coalesce(${testRuns.name}, '') || ' ' || ${testRuns.id}) LIKE ${pattern} ESCAPE '\\'`;
}

export async function deleteRun(db: Db, id: string): Promise<boolean> {
  const [deleted] = await db.batch([
    db.delete(testRuns).where(eq(testRuns.id, id)).returning({ id: testRuns.id }),
    db.delete(timeSeries).where(eq(timeSeries.runId, id)),
    db.delete(txLogs).where(eq(txLogs.runId, id)),
  ]);
  return deleted.length > 0;
}

export async function runTimeSeries(db: Db, runId: string) {
  return db.select().from(timeSeries).where(eq(timeSeries.runId, runId)).orderBy(timeSeries.second);
}

export async function insertTimeSeries(db: Db, rows: Array<typeof timeSeries.$inferInsert>): Promise<void> {
  // 15 columns × 6 rows stays under D1's 100 bound parameters per statement.
  const chunks = chunk(rows, 6).map((part) => db.insert(timeSeries).values(part).onConflictDoNothing());
  if (chunks.length > 0) await db.batch(chunks as [typeof chunks[0], ...typeof chunks]);
}

/**
 * Writes transaction records as JSON through `json_each`: one bound parameter carries hundreds of
 * rows, so a flush is one query instead of one per ten rows (D1 allows 100 parameters a query).
 */
export async function insertTxLogs(db: Db, runId: string, logs: TxLog[]): Promise<void> {
  for (const part of chunk(logs, 500)) {
    await db.run(sql`INSERT OR REPLACE INTO tx_logs
      (run_id, hash, account, nonce, region, sent_at, preconfirmed_at, confirmed_at, block_number, status, error)
      SELECT ${runId}, j.value ->> 'hash', j.value ->> 'account', j.value ->> 'nonce', j.value ->> 'region',
             j.value ->> 'sentAt', j.value ->> 'preconfirmedAt', j.value ->> 'confirmedAt', j.value ->> 'blockNumber', j.value ->> 'status', j.value ->> 'error'
      FROM json_each(${JSON.stringify(part)}) AS j`);
  }
}

export async function listTxLogs(db: Db, runId: string, limit: number, offset: number, status?: string) {
  const where = status ? and(eq(txLogs.runId, runId), eq(txLogs.status, status)) : eq(txLogs.runId, runId);
  const [rows, [{ total }]] = await Promise.all([
    db.select().from(txLogs).where(where).orderBy(txLogs.sentAt, txLogs.account, txLogs.nonce).limit(limit).offset(offset),
    db.select({ total: count() }).from(txLogs).where(where),
  ]);
  return { transactions: rows, total };
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The contracts recorded for a chain; whether each is still there is for the caller to check. */
export async function cachedContracts(db: Db, chainId: number): Promise<ContractRow[]> {
  return db.select().from(contracts).where(eq(contracts.chainId, chainId));
}

/** Records (or replaces) deployed contracts. */
export async function saveContracts(db: Db, rows: ContractRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(contracts)
    .values(rows)
    .onConflictDoUpdate({
      target: [contracts.chainId, contracts.name],
      set: { address: sql`excluded.address`, codeHash: sql`excluded.code_hash`, deployedAt: sql`excluded.deployed_at` },
    });
}
