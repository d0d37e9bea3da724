/** POST /recycle: senders' balances back to the funder, under the one-run lock. */
import { Hono } from "hono";
import { readConfig, type Env } from "../config";
import { ApiError } from "../errors";
import { funderAccount } from "../account/keys";
import { needsLegacy } from "../chain/layers";
import { JsonRpcClient } from "../chain/rpc";
import { RECYCLE_PATTERN, activeRun, claimActiveRun, database, deleteRun, runSenderPlans } from "../db/queries";
import { recycleSenders } from "../run/recycle";
import { signingChain } from "./chain-guard";
import { layerForRun } from "./layers";
import { recycleRequest } from "./schemas";
import { parseJsonBody } from "./validate";

export const recycleRoutes = new Hono<{ Bindings: Env }>();

recycleRoutes.post("/recycle", async (c) => {
  await parseJsonBody(c, recycleRequest);
  const config = readConfig(c.env);
  const { chainId, funder: source } = await signingChain(c.env, config);
  const funder = funderAccount(source).address;
  const layer = await layerForRun(config);
  const db = database(c.env.DB);
  // The one-run lock, as /start takes it: no run funds or sends from these accounts meanwhile.
  const lockId = crypto.randomUUID();
  const claimed = await claimActiveRun(db, { id: lockId, name: "recycle", status: "recycling", pattern: RECYCLE_PATTERN, transactionType: "eth-transfer", config: {}, createdAt: Date.now() });
  if (!claimed) {
    const active = await activeRun(db);
    throw new ApiError(409, "a run is active: recycle once it has ended", { runId: active?.id ?? null });
  }
  try {
    const rpc = new JsonRpcClient(config.builderRpcUrl, undefined, { maxResponseBytes: config.rpcMaxResponseBytes });
    let result;
    try {
      result = await recycleSenders({ env: c.env, config, rpc, chainId, funder, legacy: needsLegacy(layer.layer) }, await runSenderPlans(db));
    } catch (err) {
      throw new ApiError(503, `recycle failed before any sweep: ${err instanceof Error ? err.message : err}`);
    }
    return c.json(result);
  } finally {
    await deleteRun(db, lockId);
  }
});
