/**
 * Scheduler: the one Durable Object that drives `everySeconds` schedules. D1 holds the truth (each
 * schedule's next planned time); this object's alarm is set to the earliest of them, fires what is
 * due and re-arms. It keeps no state of its own, so a restart loses nothing: the constructor
 * re-arms a missing alarm, and the API pokes it whenever a cadence is created, changed or deleted.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config";
import { database } from "../db/queries";
import { nextCadenceDue } from "../db/schedule-queries";
import { fireDueCadences } from "./fire";

export const schedulerOf = (env: Env) => env.SCHEDULER.get(env.SCHEDULER.idFromName("scheduler"));

export class Scheduler extends DurableObject<Env> {
  /** Bumped by every arm: only the latest one, which read D1 last, may set or clear the alarm. */
  private armings = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      if ((await ctx.storage.getAlarm()) === null) await this.arm();
    });
  }

  /** Re-reads the schedules and sets the alarm to the earliest planned time; returns it (null: none, no alarm). */
  async poke(): Promise<number | null> {
    return this.arm();
  }

  async alarm(): Promise<void> {
    await fireDueCadences(this.env, Date.now());
    await this.arm();
  }

  /**
   * A poke that lands while the alarm is firing reads D1 after the change that caused it; the
   * alarm's own re-arm may have read before it. Whichever began last decides.
   */
  private async arm(): Promise<number | null> {
    const arming = ++this.armings;
    const next = await nextCadenceDue(database(this.env.DB));
    if (arming !== this.armings) return next;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
    return next;
  }
}
