/** Run control: start, stop and live status. */
import { Hono } from "hono";
import { readConfig, redactSecrets, type Env } from "../config";
import { ApiError } from "../errors";
import { activeRun, claimActiveRun, database, latestRun, updateRun } from "../db/queries";
import { idleMetrics } from "../metrics/test-metrics";
import { signingChain } from "./chain-guard";
import { layerForRun, requireSignable } from "./layers";
import { startTestRequest } from "./schemas";
import { parseJsonBody } from "./validate";

export const runRoutes = new Hono<{ Bindings: Env }>();

const coordinator = (env: Env, runId: string) => env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(runId));

runRoutes.post("/start", async (c) => {
  const request = await parseJsonBody(c, startTestRequest);
  const config = readConfig(c.env);
  const { chainId } = await signingChain(c.env, config);
  const layer = await layerForRun(config);
  requireSignable(layer, request);
  const db = database(c.env.DB);
  const runId = crypto.randomUUID();
  const createdAt = Date.now();
  const claimed = await claimActiveRun(db, {
    id: runId,
    name: request.name ?? null,
    status: "initializing",
    pattern: request.pattern,
    transactionType: request.transactionType,
    config: request,
    createdAt,
    environment: { executionLayer: layer.layer, layerSource: layer.source, clientVersion: layer.detection?.clientVersion ?? null, chainId, blockTimeMs: config.blockTimeMs, rpcHost: new URL(config.builderRpcUrl).host },
  });
  if (!claimed) {
    const active = await activeRun(db);
    throw new ApiError(409, "a run is already active", { runId: active?.id ?? null });
  }
  try {
    await coordinator(c.env, runId).begin(runId, request, chainId, createdAt, layer.layer);
  } catch (err) {
    await updateRun(db, runId, { status: "error", active: null, errorMessage: redactSecrets(c.env, String(err)) });
    throw err;
  }
  return c.json({ status: "started", runId });
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
  const run = await latestRun(database(c.env.DB));
  if (!run) return c.json(idleMetrics());
  const metrics = await coordinator(c.env, run.id).metrics();
  return c.json(metrics ?? { ...idleMetrics(), runId: run.id, status: run.status });
});
