/** Worker entry: the Hono app serves HTTP, the cron trigger fires schedules; the Durable Object classes are exported for bindings. */
import { app } from "./api/app";
import type { Env } from "./config";
import { database } from "./db/queries";
import { nextCadenceDue } from "./db/schedule-queries";
import { fireCronSchedules } from "./schedule/fire";
import { schedulerOf } from "./schedule/scheduler";

export { AccountDO } from "./account/account-do";
export { LiveFeed } from "./live/live-feed";
export { RunCoordinator } from "./run/coordinator";
export { Scheduler } from "./schedule/scheduler";

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    await fireCronSchedules(env, controller.scheduledTime);
    // A minutely check that the scheduler's alarm is armed while cadences exist, whatever happened to it.
    if ((await nextCadenceDue(database(env.DB))) !== null) await schedulerOf(env).poke();
  },
} satisfies ExportedHandler<Env>;
