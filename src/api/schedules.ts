/** Schedules (PRODUCT.md §9): create, list, read with their firings, change, delete. */
import { Hono } from "hono";
import type { Env } from "../config";
import { ApiError } from "../errors";
import { database } from "../db/queries";
import { deleteSchedule, getSchedule, insertSchedule, listFirings, listSchedules, updateSchedule } from "../db/schedule-queries";
import type { ScheduleFiringRow, ScheduleRow } from "../db/schema";
import { schedulerOf } from "../schedule/scheduler";
import { firstRunAt } from "../schedule/timing";
import { firingsQuery, runIdParam, scheduleCreate, schedulePatch } from "./schemas";
import { parseJsonBody, parseQuery, parseWith } from "./validate";

export const scheduleRoutes = new Hono<{ Bindings: Env }>();

/** A firing claimed but never given an outcome this long after (its invocation died) is reported as an error. */
const PENDING_GIVE_UP_MS = 5 * 60_000;

export function publicFiring(row: ScheduleFiringRow, now: number) {
  const interrupted = row.outcome === "pending" && now - row.recordedAt > PENDING_GIVE_UP_MS;
  return {
    at: row.at,
    outcome: interrupted ? "error" : row.outcome,
    ...(row.runId ? { runId: row.runId } : {}),
    ...(interrupted ? { reason: "the firing was interrupted before its outcome was recorded" } : row.reason ? { reason: row.reason } : {}),
    recordedAt: row.recordedAt,
  };
}

async function existingSchedule(env: Env, rawId: string): Promise<ScheduleRow> {
  const { id } = parseWith(runIdParam, { id: rawId }, "path");
  const schedule = await getSchedule(database(env.DB), id);
  if (!schedule) throw new ApiError(404, `no schedule ${id}`);
  return schedule;
}

/** The scheduler object follows every change to an `everySeconds` schedule (a cron one needs nothing). */
async function pokeIfCadence(env: Env, ...rows: Array<ScheduleRow | undefined>): Promise<void> {
  if (rows.some((row) => row?.everySeconds != null)) await schedulerOf(env).poke();
}

scheduleRoutes.post("/schedules", async (c) => {
  const body = await parseJsonBody(c, scheduleCreate);
  const now = Date.now();
  const fields = { cron: body.cron ?? null, everySeconds: body.everySeconds ?? null, enabled: body.enabled };
  const schedule = await insertSchedule(database(c.env.DB), {
    id: crypto.randomUUID(),
    name: body.name ?? null,
    ...fields,
    request: body.request,
    nextRunAt: firstRunAt(fields, now),
    createdAt: now,
    updatedAt: now,
  });
  await pokeIfCadence(c.env, schedule);
  return c.json({ schedule }, 201);
});

scheduleRoutes.get("/schedules", async (c) => {
  return c.json({ schedules: await listSchedules(database(c.env.DB)) });
});

scheduleRoutes.get("/schedules/:id", async (c) => {
  const schedule = await existingSchedule(c.env, c.req.param("id"));
  const { limit } = parseQuery(c, firingsQuery);
  const now = Date.now();
  const firings = await listFirings(database(c.env.DB), schedule.id, limit);
  return c.json({ schedule, firings: firings.map((row) => publicFiring(row, now)) });
});

scheduleRoutes.patch("/schedules/:id", async (c) => {
  const before = await existingSchedule(c.env, c.req.param("id"));
  const patch = await parseJsonBody(c, schedulePatch);
  const now = Date.now();
  const after = {
    cron: patch.everySeconds !== undefined ? null : (patch.cron ?? before.cron),
    everySeconds: patch.cron !== undefined ? null : (patch.everySeconds ?? before.everySeconds),
    enabled: patch.enabled ?? before.enabled,
  };
  const replanned = patch.cron !== undefined || patch.everySeconds !== undefined || after.enabled !== before.enabled;
  const schedule = await updateSchedule(database(c.env.DB), before.id, {
    ...patch,
    ...after,
    ...(replanned ? { nextRunAt: firstRunAt(after, now) } : {}),
    updatedAt: now,
  });
  if (!schedule) throw new ApiError(404, `no schedule ${before.id}`);
  await pokeIfCadence(c.env, before, schedule);
  return c.json({ schedule });
});

scheduleRoutes.delete("/schedules/:id", async (c) => {
  const schedule = await existingSchedule(c.env, c.req.param("id"));
  await deleteSchedule(database(c.env.DB), schedule.id);
  await pokeIfCadence(c.env, schedule);
  return c.json({ deleted: true });
});
