/** A run's TestMetrics as its coordinator holds them: live while it runs, its final figures after. */
import type { Env } from "../config";
import type { TestRunRow } from "../db/schema";
import { idleMetrics, type TestMetrics } from "../metrics/test-metrics";

export const coordinatorOf = (env: Env, runId: string) => env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(runId));

/** A coordinator with no record of the run (the run row outlived it) gives what the row says. */
export async function runMetrics(env: Env, run: Pick<TestRunRow, "id" | "status">): Promise<TestMetrics> {
  return (await coordinatorOf(env, run.id).metrics()) ?? { ...idleMetrics(), runId: run.id, status: run.status as TestMetrics["status"] };
}
