/**
 * When schedules fire: cron expressions (parsed by croner, the same five fields Cloudflare's cron
 * triggers take, read in UTC as they are) and fixed `everySeconds` cadences. Plain functions of
 * times in ms since the epoch; no I/O.
 */
import { Cron } from "croner";

const MINUTE_MS = 60_000;

/** Without a callback croner only parses: no timer is started. */
const parse = (expression: string) => new Cron(expression, { mode: "5-part", utcOffset: 0 });

/** Why `expression` is not a usable cron expression, or null when it is. */
export function cronProblem(expression: string): string | null {
  if (!/^\S+(\s+\S+){4}$/.test(expression.trim())) return "must be a 5-field cron expression (minute hour day-of-month month day-of-week)";
  // croner reads '?' as "the current time", which would make a stored expression mean something else each time it is read.
  if (expression.includes("?")) return "'?' is not supported; use '*'";
  let cron: Cron;
  try {
    cron = parse(expression);
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, "");
  }
  return cron.nextRun(new Date()) === null ? "never matches a date" : null;
}

/** The minute `at` falls in: a cron trigger's firing, whatever second it was delivered at. */
export const minuteOf = (at: number): number => Math.floor(at / MINUTE_MS) * MINUTE_MS;

export const cronMatches = (expression: string, at: number): boolean => parse(expression).match(new Date(minuteOf(at)));

/** The first minute after `after` that the expression matches (null: none). */
export function nextCronRun(expression: string, after: number): number | null {
  return parse(expression).nextRun(new Date(after))?.getTime() ?? null;
}

/**
 * The next planned time of an `everySeconds` cadence after `now`: on the grid that starts at
 * `planned`, so a late or missed alarm does not shift the cadence, and missed slots are not made up.
 */
export function nextEveryRun(planned: number, everySeconds: number, now: number): number {
  const step = everySeconds * 1000;
  if (planned > now) return planned;
  return planned + (Math.floor((now - planned) / step) + 1) * step;
}

/** The idempotency key of one firing: a retried or duplicated invocation of the same slot claims the same key. */
export const cronFireKey = (scheduledTime: number) => `cron:${new Date(minuteOf(scheduledTime)).toISOString()}`;
export const everyFireKey = (planned: number) => `every:${new Date(planned).toISOString()}`;

/** The first planned firing of a schedule created, re-enabled or re-timed at `now` (null while disabled). */
export function firstRunAt(schedule: { enabled: boolean; cron: string | null; everySeconds: number | null }, now: number): number | null {
  if (!schedule.enabled) return null;
  if (schedule.cron !== null) return nextCronRun(schedule.cron, now);
  return schedule.everySeconds === null ? null : now + schedule.everySeconds * 1000;
}
