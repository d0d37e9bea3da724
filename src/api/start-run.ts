/**
 * Starting a run: the one path for `POST /v1/start` and for schedules. Checks the chain (and that
 * this API may sign on it), its funder and layer, claims the one-run lock in D1 and hands the run
 * to its coordinator.
 */
import { readConfig, redactSecrets, type Env } from "../config";
import { activeRun, claimActiveRun, database, updateRun } from "../db/queries";
import { signingChain } from "./chain-guard";
import { layerForRun, requireSignable } from "./layers";
import type { StartTestRequest } from "./schemas";
import { coordinatorOf } from "../run/run-metrics";
import { fetchBuilderStatus } from "../feeds/builder-status";
import { planFeeds } from "../feeds/feed-plan";

export type StartOutcome = { started: true; runId: string } | { started: false; activeRunId: string | null };

export { coordinatorOf } from "../run/run-metrics";

/** Throws ApiError (503, 401, 422, 400) when the chain or the request cannot be run; `started: false` while another run holds the lock. */
export async function startRun(env: Env, request: StartTestRequest, scheduleId: string | null = null): Promise<StartOutcome> {
  const config = readConfig(env);
  const { chainId } = await signingChain(env, config);
  const layer = await layerForRun(config);
  requireSignable(layer, request);
  // Which builder feeds the run will read, and the builder's own status at the start (PRODUCT.md §8).
  const { plan, sources } = planFeeds(layer.layer, config);
  const builderStatus = plan.builderStatus ? await fetchBuilderStatus(config.builderRpcUrl) : null;
  const db = database(env.DB);
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
    scheduleId,
    environment: {
      executionLayer: layer.layer,
      layerSource: layer.source,
      clientVersion: layer.detection?.clientVersion ?? null,
      chainId,
      blockTimeMs: config.blockTimeMs,
      rpcHost: new URL(config.builderRpcUrl).host,
      sources,
      builderStatus: builderStatus && (builderStatus.ok ? builderStatus.status : { error: builderStatus.error }),
    },
  });
  if (!claimed) return { started: false, activeRunId: (await activeRun(db))?.id ?? null };
  try {
    await coordinatorOf(env, runId).begin(runId, request, chainId, createdAt, layer.layer, scheduleId);
  } catch (err) {
    await updateRun(db, runId, { status: "error", active: null, errorMessage: redactSecrets(env, String(err)) });
    throw err;
  }
  return { started: true, runId };
}
