/**
 * What the live feed does with a push (pure, so it is tested without a socket): the newest picture
 * wins, an unchanged one is not sent again, and a new run or a new status is kept in storage so a
 * feed woken from hibernation still has it for the next viewer.
 */
import type { TestMetrics } from "../metrics/test-metrics";

/** A coordinator's picture of its run, stamped with the time it was built. */
export interface FeedPush {
  at: number;
  metrics: TestMetrics;
}

/** The latest picture, as the viewers receive it. */
export interface FeedLatest {
  at: number;
  runId: string | null;
  status: string;
  json: string;
}

export interface Admitted {
  latest: FeedLatest;
  /** A new run or a new status: keep it in storage (between those, memory is enough while pushes keep the feed awake). */
  persist: boolean;
}

/**
 * The feed's next latest picture, or null when the push is to be dropped: older than the latest
 * (a run's last push overtaken by the next run's first), or the very same picture again.
 */
export function admit(current: FeedLatest | undefined, push: FeedPush): Admitted | null {
  if (current && push.at < current.at) return null;
  const json = JSON.stringify(push.metrics);
  if (current && json === current.json) return null;
  const latest = { at: push.at, runId: push.metrics.runId, status: push.metrics.status, json };
  return { latest, persist: !current || current.runId !== latest.runId || current.status !== latest.status };
}
