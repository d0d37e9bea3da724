/** The HTTP API: every route under /v1 and, for clients of the original tool, unversioned. */
import { Hono } from "hono";
import type { Env } from "../config";
import { ApiError } from "../errors";
import { healthRoutes } from "./health";
import { historyRoutes } from "./history";
import { layerRoutes } from "./layers";
import { recycleRoutes } from "./recycle";
import { runRoutes } from "./runs";

const api = new Hono<{ Bindings: Env }>();
api.route("/", runRoutes);
api.route("/", historyRoutes);
api.route("/", healthRoutes);
api.route("/", layerRoutes);
api.route("/", recycleRoutes);

export const app = new Hono<{ Bindings: Env }>();
app.route("/v1", api);
app.route("/", api);

app.notFound((c) => c.json({ error: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));

app.onError((err, c) => {
  if (err instanceof ApiError) {
    return c.json(err.details === undefined ? { error: err.message } : { error: err.message, details: err.details }, err.status);
  }
  // Messages of internal errors are logged, not returned: they may name endpoints or internals.
  console.error(`${c.req.method} ${new URL(c.req.url).pathname}: ${err instanceof Error ? err.message : String(err)}`);
  return c.json({ error: "internal error" }, 500);
});
