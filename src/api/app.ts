/** The HTTP API: every route under /v1 and, for clients of the original tool, unversioned. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { redactSecrets, type Env } from "../config";
import { ApiError } from "../errors";
import { authRoutes, requireToken } from "./auth";
import { bodyRules } from "./body-rules";
import { healthRoutes } from "./health";
import { historyRoutes } from "./history";
import { layerRoutes } from "./layers";
import { liveFeedRoutes } from "./live-feed";
import { metricsRoutes } from "./metrics";
import { openApiRoutes } from "./openapi";
import { recycleRoutes } from "./recycle";
import { runRoutes } from "./runs";
import { scheduleRoutes } from "./schedules";

const api = new Hono<{ Bindings: Env }>();
api.route("/", runRoutes);
api.route("/", historyRoutes);
api.route("/", healthRoutes);
api.route("/", layerRoutes);
api.route("/", recycleRoutes);
api.route("/", scheduleRoutes);
api.route("/", metricsRoutes);
api.route("/", openApiRoutes);
api.route("/", liveFeedRoutes);
api.route("/", authRoutes);

export const app = new Hono<{ Bindings: Env }>();
// Access (PRODUCT.md §10), ahead of every route: the token, then the body rules. No CORS: nothing
// here sends Access-Control-* headers, so a page on another origin can neither read an answer nor
// get a JSON body or an Authorization header past the browser's preflight.
app.use(requireToken, bodyRules);
app.route("/v1", api);
app.route("/", api);

app.notFound((c) => c.json({ error: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));

app.onError((err, c) => {
  if (err instanceof HTTPException) {
    if (err.status === 401) c.header("WWW-Authenticate", 'Bearer realm="loadgen"');
    const error = redactSecrets(c.env, err.message || "request refused");
    const details = err instanceof ApiError ? err.details : undefined;
    return c.json(details === undefined ? { error } : { error, details }, err.status);
  }
  // Messages of internal errors are logged, not returned: they may name endpoints or internals.
  console.error(`${c.req.method} ${new URL(c.req.url).pathname}: ${redactSecrets(c.env, err instanceof Error ? err.message : String(err))}`);
  return c.json({ error: "internal error" }, 500);
});
