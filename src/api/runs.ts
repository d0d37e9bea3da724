/** Run control: start, stop and live status. */
import { Hono } from "hono";
import type { Env } from "../config";
import { ApiError } from "../errors";
import { activeRun, database, updateRun } from "../db/queries";
import { latestRunMetrics } from "./latest-run";
import { startTestRequest } from "./schemas";
import { coordinatorOf as coordinator, startRun } from "./start-run";
import { parseJsonBody } from "./validate";

export const runRoutes = new Hono<{ Bindings: Env }>();

runRoutes.post("/start", async (c) => {
  const outcome = await startRun(c.env, await parseJsonBody(c, startTestRequest));
  if (!outcome.started) throw new ApiError(409, "a run is already active", { runId: outcome.activeRunId });
  return c.json({ status: "started", runId: outcome.runId });
});

runRoutes.post("/stop", async (c) => {
  const run = await activeRun(database(c.env.DB));
  if (!run) throw new ApiError(409, "no run is active");
  const { status } = await coordinator(c.env, run.id).requestStop();
  return c.json({ status, runId: run.id });
});

/**
 * Clears the active run: its coordinator ends it unverified and the lock is released even if the
 * coordinator itself cannot answer, so a dead run never blocks the next start.
 */
runRoutes.post("/reset", async (c) => {
  const db = database(c.env.DB);
  const run = await activeRun(db);
  if (!run) throw new ApiError(409, "no run is active");
  let status: string;
  try {
    ({ status } = await coordinator(c.env, run.id).reset());
  } catch (err) {
    console.error(`reset ${run.id}: the coordinator did not answer: ${err instanceof Error ? err.message : err}`);
    status = "unreachable";
  }
  const orphaned = status === "idle" || status === "unreachable";
  await updateRun(db, run.id, orphaned ? { active: null, status: "error", errorMessage: `reset by request; the coordinator ${status === "idle" ? "had no record of the run" : "did not answer"}` } : { active: null });
  return c.json({ status: "reset", runId: run.id });
});

runRoutes.get("/status", async (c) => {
  const { metrics, serverTiming } = await latestRunMetrics(c.env);
  if (serverTiming) c.header("server-timing", serverTiming);
  return c.json(metrics);
});
