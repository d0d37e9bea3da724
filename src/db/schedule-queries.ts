/** D1 reads and writes of schedules and their firings, through drizzle. */
import { and, asc, desc, eq, isNotNull, isNull, lte, min, sql } from "drizzle-orm";
import type { Db } from "./queries";
import { scheduleFirings, schedules, type ScheduleFiringRow, type ScheduleRow } from "./schema";

export type NewSchedule = typeof schedules.$inferInsert;
export type FiringOutcome = { outcome: "started" | "skipped" | "error"; runId?: string | null; reason?: string | null };

export async function insertSchedule(db: Db, row: NewSchedule): Promise<ScheduleRow> {
  return (await db.insert(schedules).values(row).returning())[0];
}

export async function getSchedule(db: Db, id: string): Promise<ScheduleRow | undefined> {
  return (await db.select().from(schedules).where(eq(schedules.id, id)).limit(1))[0];
}

export async function listSchedules(db: Db): Promise<ScheduleRow[]> {
  return db.select().from(schedules).orderBy(asc(schedules.createdAt));
}

export async function updateSchedule(db: Db, id: string, fields: Partial<NewSchedule>): Promise<ScheduleRow | undefined> {
  return (await db.update(schedules).set(fields).where(eq(schedules.id, id)).returning())[0];
}

/** The schedule and its firings; false when there was none. Runs it started keep their `scheduleId`. */
export async function deleteSchedule(db: Db, id: string): Promise<boolean> {
  const [deleted] = await db.batch([
    db.delete(schedules).where(eq(schedules.id, id)).returning({ id: schedules.id }),
    db.delete(scheduleFirings).where(eq(scheduleFirings.scheduleId, id)),
  ]);
  return deleted.length > 0;
}

export async function enabledCronSchedules(db: Db): Promise<ScheduleRow[]> {
  return db
    .select()
    .from(schedules)
    .where(and(eq(schedules.enabled, true), isNotNull(schedules.cron)))
    .orderBy(asc(schedules.createdAt));
}

const cadence = and(eq(schedules.enabled, true), isNotNull(schedules.everySeconds), isNotNull(schedules.nextRunAt));

/** Enabled `everySeconds` schedules planned at or before `upTo`, earliest first. */
export async function dueCadences(db: Db, upTo: number): Promise<ScheduleRow[]> {
  return db
    .select()
    .from(schedules)
    .where(and(cadence, lte(schedules.nextRunAt, upTo)))
    .orderBy(asc(schedules.nextRunAt), asc(schedules.createdAt));
}

/** The earliest planned time of an enabled `everySeconds` schedule (null: none). */
export async function nextCadenceDue(db: Db): Promise<number | null> {
  return (await db.select({ next: min(schedules.nextRunAt) }).from(schedules).where(cadence))[0]?.next ?? null;
}

/**
 * Moves a schedule's next planned time on, unless it changed since `from` was read (a PATCH that
 * re-planned it meanwhile wins).
 */
export async function moveNextRun(db: Db, id: string, from: number | null, to: number | null): Promise<void> {
  const unchanged = from === null ? isNull(schedules.nextRunAt) : eq(schedules.nextRunAt, from);
  await db.update(schedules).set({ nextRunAt: to }).where(and(eq(schedules.id, id), unchanged));
}

/**
 * Claims one firing slot in a single statement: true when this call inserted it, false when the
 * slot was claimed before (a retried or duplicated invocation) or the schedule is no longer enabled.
 */
export async function claimFiring(db: Db, scheduleId: string, fireKey: string, at: number): Promise<boolean> {
  const result = await db.run(sql`INSERT OR IGNORE INTO schedule_firings (schedule_id, fire_key, at, outcome, recorded_at)
    SELECT ${scheduleId}, ${fireKey}, ${at}, 'pending', ${Date.now()}
    WHERE EXISTS (SELECT 1 FROM schedules WHERE id = ${scheduleId} AND enabled = 1)`);
  return (result.meta.changes ?? 0) > 0;
}

export async function recordFiring(db: Db, scheduleId: string, fireKey: string, outcome: FiringOutcome): Promise<void> {
  await db
    .update(scheduleFirings)
    .set({ outcome: outcome.outcome, runId: outcome.runId ?? null, reason: outcome.reason ?? null, recordedAt: Date.now() })
    .where(and(eq(scheduleFirings.scheduleId, scheduleId), eq(scheduleFirings.fireKey, fireKey)));
}

/** Newest first. */
export async function listFirings(db: Db, scheduleId: string, limit: number): Promise<ScheduleFiringRow[]> {
  return db.select().from(scheduleFirings).where(eq(scheduleFirings.scheduleId, scheduleId)).orderBy(desc(scheduleFirings.at), desc(scheduleFirings.id)).limit(limit);
}
