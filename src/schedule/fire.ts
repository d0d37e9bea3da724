/**
 * Firing schedules: by the worker's cron trigger (every minute) and by the scheduler object's
 * alarm (`everySeconds`). Each firing claims its slot in D1 first, so a retried or duplicated
 * invocation starts nothing twice, then starts the run through the same path as `POST /v1/start`
 * and records what happened: started, skipped (another run holds the lock) or error.
 */
import { redactSecrets, type Env } from "../config";
import { activeRun, database } from "../db/queries";
import { claimFiring, dueCadences, enabledCronSchedules, moveNextRun, recordFiring, type FiringOutcome } from "../db/schedule-queries";
import type { ScheduleRow } from "../db/schema";
import { startTestRequest } from "../api/schemas";
import { startRun } from "../api/start-run";
import { parseWith } from "../api/validate";
import { cronFireKey, cronMatches, everyFireKey, minuteOf, nextCronRun, nextEveryRun } from "./timing";

/** An alarm may be delivered a little early; a cadence planned this close is due. */
const EARLY_MS = 50;
const MAX_REASON_CHARS = 500;

export type Firing = FiringOutcome & { scheduleId: string; at: number };

/** One slot of one schedule. Null when the slot was already claimed or the schedule was disabled meanwhile. */
export async function fireSchedule(env: Env, schedule: ScheduleRow, fireKey: string, at: number): Promise<Firing | null> {
  const db = database(env.DB);
  if (!(await claimFiring(db, schedule.id, fireKey, at))) return null;
  let outcome: FiringOutcome;
  try {
    // Asked first so that a busy chain (the active run's load) cannot turn a skip into a timeout error.
    const busy = await activeRun(db);
    const started = busy ? { started: false as const, activeRunId: busy.id } : await startRun(env, parseWith(startTestRequest, schedule.request, "schedule request"), schedule.id);
    outcome = started.started ? { outcome: "started", runId: started.runId } : { outcome: "skipped", runId: started.activeRunId, reason: "another run was active" };
  } catch (err) {
    outcome = { outcome: "error", reason: firingReason(err, env) };
  }
  await recordFiring(db, schedule.id, fireKey, outcome);
  return { ...outcome, scheduleId: schedule.id, at };
}

/** The worker's `scheduled()`: every enabled cron schedule that matches the trigger's minute, oldest schedule first. */
export async function fireCronSchedules(env: Env, scheduledTime: number): Promise<Firing[]> {
  const db = database(env.DB);
  const minute = minuteOf(scheduledTime);
  const candidates = await enabledCronSchedules(db);
  const fired: Firing[] = [];
  for (const schedule of candidates) {
    if (!cronMatches(schedule.cron!, minute)) continue;
    const firing = await fireSchedule(env, schedule, cronFireKey(scheduledTime), scheduledTime);
    if (firing) fired.push(firing);
  }
  for (const schedule of candidates) {
    if (schedule.nextRunAt === null || schedule.nextRunAt <= minute) await moveNextRun(db, schedule.id, schedule.nextRunAt, nextCronRun(schedule.cron!, minute));
  }
  return fired;
}

/**
 * The scheduler's alarm: every enabled `everySeconds` schedule whose planned time has come fires
 * once, for its latest slot (slots missed while nothing ran are not made up), and is planned on
 * the same grid after now.
 */
export async function fireDueCadences(env: Env, now: number): Promise<Firing[]> {
  const db = database(env.DB);
  const fired: Firing[] = [];
  for (const schedule of await dueCadences(db, now + EARLY_MS)) {
    const planned = schedule.nextRunAt!;
    const every = schedule.everySeconds!;
    const slot = nextEveryRun(planned, every, Math.max(now, planned)) - every * 1000;
    const firing = await fireSchedule(env, schedule, everyFireKey(slot), slot);
    if (firing) fired.push(firing);
    await moveNextRun(db, schedule.id, planned, nextEveryRun(slot, every, Date.now()));
  }
  return fired;
}

/** What an error said, without the secrets, nor the RPC URLs' paths (which often carry a provider's API key). */
export function firingReason(err: unknown, env: Env): string {
  let text = redactSecrets(env, err instanceof Error ? err.message : String(err));
  for (const url of [env.BUILDER_RPC_URL, env.L2_RPC_URL]) {
    if (url) text = text.split(url).join(safeHost(url));
  }
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "[rpc url]";
  }
}
