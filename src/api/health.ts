/** Liveness and readiness. Ready means both the builder RPC and the L2 RPC answer. */
import { Hono } from "hono";
import { readConfig, type Env } from "../config";
import { configuredLayer } from "../chain/layers";
import { JsonRpcClient, fromHex } from "../chain/rpc";

export const healthRoutes = new Hono<{ Bindings: Env }>();

healthRoutes.get("/health", (c) => c.json({ status: "ok" }));

async function probe(url: string, maxResponseBytes: number) {
  const started = Date.now();
  try {
    const blockNumber = fromHex(await new JsonRpcClient(url, 3_000, { maxResponseBytes }).call<string>("eth_blockNumber"));
    return { ok: true, blockNumber, latencyMs: Date.now() - started };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err), latencyMs: Date.now() - started };
  }
}

healthRoutes.get("/ready", async (c) => {
  const config = readConfig(c.env);
  const [builder, l2] = await Promise.all([probe(config.builderRpcUrl, config.rpcMaxResponseBytes), probe(config.l2RpcUrl, config.rpcMaxResponseBytes)]);
  const ready = builder.ok && l2.ok;
  // The override as set; null when the layer is detected (GET /v1/layers says which).
  return c.json({ ready, executionLayer: configuredLayer(config.executionLayer), builder, l2 }, ready ? 200 : 503);
});
