/**
 * The coordinator's side of the live feed: each tick offers its run's metrics, and at most one push
 * is under way at a time (LatestOnly), in the background. A feed that is slow or down costs the run
 * nothing but a log line when pushes start failing and one when they work again.
 */
import type { Env } from "../config";
import type { TestMetrics } from "../metrics/test-metrics";
import { LatestOnly } from "./latest-only";
import { liveFeedOf } from "./live-feed";

export class LivePublisher {
  private failing = false;
  private readonly pushes: LatestOnly<TestMetrics>;

  constructor(env: Env) {
    const feed = liveFeedOf(env);
    this.pushes = new LatestOnly(
      async (metrics) => {
        await feed.publish({ at: Date.now(), metrics });
        if (this.failing) console.log("live feed: pushes work again");
        this.failing = false;
      },
      (err) => {
        if (!this.failing) console.error(`live feed: push failed (viewers miss updates, the run goes on): ${err instanceof Error ? err.message : err}`);
        this.failing = true;
      },
    );
  }

  /** `metrics` is called when the push leaves, so a push that waited carries the newest figures. */
  offer(metrics: () => Promise<TestMetrics | null>): void {
    this.pushes.offer(metrics);
  }
}
