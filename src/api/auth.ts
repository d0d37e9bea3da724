/**
 * Who may use the API (PRODUCT.md §10). With API_TOKEN set, every route but the health check needs
 * the token: as `Authorization: Bearer <token>`, or, on a WebSocket upgrade (browsers cannot set
 * headers there), as a subprotocol (ws-token.ts). Without API_TOKEN everything is open, and
 * chain-guard.ts keeps routes that sign off chains other than the dev chain.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import { readConfig, type Env } from "../config";
import { ApiError } from "../errors";
import { noQuery } from "./schemas";
import { parseQuery } from "./validate";
import { tokenFromProtocols } from "./ws-token";

/**
 * Paths that answer without a token: liveness (readiness probes the RPCs, so it is guarded), and
 * whether a token is needed, so the dashboard asks for it before its first call instead of
 * meeting a 401 (which a browser reports as an error on its console).
 */
const OPEN_PATHS = new Set(["/health", "/v1/health", "/auth", "/v1/auth"]);

export const authRoutes = new Hono<{ Bindings: Env }>();

/** Says only what any refused request would say: whether this API wants a token. */
authRoutes.get("/auth", (c) => {
  parseQuery(c, noQuery);
  return c.json({ tokenRequired: readConfig(c.env).apiToken !== undefined });
});

export const requireToken: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const token = readConfig(c.env).apiToken;
  if (token && !OPEN_PATHS.has(c.req.path)) {
    const given = presentedToken(c);
    if (given === undefined) throw new ApiError(401, "this API needs its token: send Authorization: Bearer <API_TOKEN>");
    // Hashes both sides first, so the time taken says nothing about how much of the token matched.
    if (!(await timingSafeEqual(token, given))) throw new ApiError(401, "wrong API token");
  }
  await next();
};

/** The bearer credential (the scheme name is case-insensitive, RFC 7235); the subprotocol only on a WebSocket upgrade. */
function presentedToken(c: Context): string | undefined {
  const bearer = /^bearer +(\S+) *$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (bearer !== undefined) return bearer;
  // Never from the URL, not even here: a URL ends up in request logs and histories.
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") return tokenFromProtocols(c.req.header("sec-websocket-protocol"));
  return undefined;
}
