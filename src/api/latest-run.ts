/** The latest run's live TestMetrics, as its coordinator aggregates them: what /status and /metrics show. */
import type { Env } from "../config";
import { database, latestRun } from "../db/queries";
import { idleMetrics, type TestMetrics } from "../metrics/test-metrics";
import { runMetrics } from "../run/run-metrics";

export interface LatestMetrics {
  metrics: TestMetrics;
  /** Where a slow answer waited (a Server-Timing value), when a coordinator was asked. */
  serverTiming: string | null;
}

export async function latestRunMetrics(env: Env): Promise<LatestMetrics> {
  const started = Date.now();
  const run = await latestRun(database(env.DB));
  const found = Date.now();
  if (!run) return { metrics: idleMetrics(), serverTiming: null };
  // A coordinator with no record of the run (a lock row, or reset storage) gives what D1 knows of it.
  const metrics = await runMetrics(env, run);
  // The clock moves across I/O: the run look-up in D1, then the coordinator.
  const serverTiming = `d1;dur=${found - started}, coordinator;dur=${Date.now() - found}`;
  return { metrics, serverTiming };
}
