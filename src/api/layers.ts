/** The execution-layer registry, the layer the builder RPC says it is, and the one a run would use. */
import { Hono } from "hono";
import { readConfig, type Env, type RuntimeConfig } from "../config";
import { ApiError } from "../errors";
import { EXECUTION_LAYERS, chooseLayer, configuredLayer, detectLayer, invalidLayerMessage, needsLegacy, type LayerChoice } from "../chain/layers";
import { probeClientVersion } from "../chain/node-queries";
import { JsonRpcClient } from "../chain/rpc";
import { isRealistic, runMix } from "../run/workload-plan";
import { typesOf } from "../tx/mix";
import type { TransactionType } from "../tx/types";
import { noQuery, type StartTestRequest } from "./schemas";
import { parseQuery } from "./validate";

export const layerRoutes = new Hono<{ Bindings: Env }>();

const PROBE_TIMEOUT_MS = 3_000;

const askBuilder = (config: RuntimeConfig) =>
  probeClientVersion(new JsonRpcClient(config.builderRpcUrl, PROBE_TIMEOUT_MS, { maxResponseBytes: config.rpcMaxResponseBytes }));

/**
 * The layer a run (or a recycle) started now signs for: EXECUTION_LAYER when set, else the
 * detected one. A value of EXECUTION_LAYER that names no layer is refused rather than guessed at.
 */
export async function layerForRun(config: RuntimeConfig): Promise<LayerChoice> {
  const setting = config.executionLayer;
  if (setting.kind === "invalid") throw new ApiError(422, invalidLayerMessage(setting.value), [{ field: "EXECUTION_LAYER", message: "not a known execution layer" }]);
  return chooseLayer(setting, setting.kind === "forced" ? null : await askBuilder(config));
}

/** Types with no legacy form: set-code is an EIP-7702 (type 4) transaction by definition. */
const TYPED_ONLY: readonly TransactionType[] = ["set-code"];

/** A run on a layer that needs legacy transactions cannot send a type that has no legacy form: 400. */
export function requireSignable(layer: LayerChoice, request: StartTestRequest): void {
  if (!needsLegacy(layer.layer)) return;
  const typed = typesOf(runMix(request)).filter((t) => TYPED_ONLY.includes(t));
  if (typed.length === 0) return;
  const field = isRealistic(request) ? "realisticConfig.txTypeRatios" : "transactionType";
  const message = `${typed.join(", ")} has no legacy form, and layer ${layer.layer} needs legacy transactions`;
  throw new ApiError(400, `invalid request body: ${field}: ${message}`, [{ field, message }]);
}

layerRoutes.get("/layers", async (c) => {
  parseQuery(c, noQuery);
  const config = readConfig(c.env);
  const setting = config.executionLayer;
  const probe = await askBuilder(config);
  const detected = "clientVersion" in probe ? detectLayer(probe.clientVersion) : null;
  return c.json({
    layers: EXECUTION_LAYERS,
    detected,
    ...("reason" in probe ? { reason: probe.reason } : {}),
    /** EXECUTION_LAYER as set (null: detect). */
    configured: configuredLayer(setting),
    /** What a run started now would use; null while EXECUTION_LAYER is invalid (/start refuses). */
    active: setting.kind === "invalid" ? null : chooseLayer(setting, probe).layer,
    ...(setting.kind === "invalid" ? { configError: invalidLayerMessage(setting.value) } : {}),
  });
});
