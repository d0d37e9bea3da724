/** Past runs: list, read, rename or favourite, delete, and their transaction records. */
import { Hono } from "hono";
import type { Env } from "../config";
import { ApiError } from "../errors";
import { database, deleteRun, getRun, listRuns, listTxLogs, runTimeSeries, updateRun } from "../db/queries";
import type { TestRunRow } from "../db/schema";
import { runMetrics } from "../run/run-metrics";
import { historyPatch, historyQuery, noQuery, runIdParam, transactionsQuery } from "./schemas";
import { parseJsonBody, parseQuery, parseWith } from "./validate";

export const historyRoutes = new Hono<{ Bindings: Env }>();

/** The API shape of a run row: the lock column is an implementation detail. */
function publicRun(row: TestRunRow) {
  const { active: _active, ...run } = row;
  return run;
}

async function existingRun(env: Env, rawId: string): Promise<TestRunRow> {
  const { id } = parseWith(runIdParam, { id: rawId }, "path");
  const run = await getRun(database(env.DB), id);
  if (!run) throw new ApiError(404, `no run ${id}`);
  return run;
}

historyRoutes.get("/history", async (c) => {
  const { limit, offset, ...filters } = parseQuery(c, historyQuery);
  const { runs, total } = await listRuns(database(c.env.DB), limit, offset, filters);
  return c.json({ runs: runs.map(publicRun), total, limit, offset });
});

historyRoutes.get("/history/:id", async (c) => {
  const run = await existingRun(c.env, c.req.param("id"));
  return c.json({ run: publicRun(run), timeSeries: await runTimeSeries(database(c.env.DB), run.id) });
});

/** The run's whole TestMetrics as its coordinator kept them: what the row has not (regions, bursts, tips). */
historyRoutes.get("/history/:id/status", async (c) => {
  const run = await existingRun(c.env, c.req.param("id"));
  parseQuery(c, noQuery);
  return c.json(await runMetrics(c.env, run));
});

historyRoutes.patch("/history/:id", async (c) => {
  const run = await existingRun(c.env, c.req.param("id"));
  const patch = await parseJsonBody(c, historyPatch);
  const db = database(c.env.DB);
  await updateRun(db, run.id, patch);
  return c.json({ run: publicRun((await getRun(db, run.id))!) });
});

historyRoutes.delete("/history/:id", async (c) => {
  const run = await existingRun(c.env, c.req.param("id"));
  if (run.active) throw new ApiError(409, "the run is still active; stop it first");
  await deleteRun(database(c.env.DB), run.id);
  return c.json({ deleted: true });
});

historyRoutes.get("/history/:id/transactions", async (c) => {
  const run = await existingRun(c.env, c.req.param("id"));
  const { limit, offset, status } = parseQuery(c, transactionsQuery);
  const { transactions, total } = await listTxLogs(database(c.env.DB), run.id, limit, offset, status);
  return c.json({ transactions, total, limit, offset });
});
