/**
 * Who may use the API (PRODUCT.md §10). With API_TOKEN set, every route but the health check needs
 * the token: as `Authorization: Bearer <token>`, or, on a WebSocket upgrade (browsers cannot set
 * headers there), as `?token=<token>`. Without API_TOKEN everything is open, and chain-guard.ts
 * keeps routes that sign off chains other than the dev chain.
 */
import type { Context, MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import { readConfig, type Env } from "../config";
import { ApiError } from "../errors";

/** Paths that answer without a token: liveness only (readiness probes the RPCs, so it is guarded). */
const OPEN_PATHS = new Set(["/health", "/v1/health"]);

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

/** The bearer credential (the scheme name is case-insensitive, RFC 7235); `?token=` only on a WebSocket upgrade. */
function presentedToken(c: Context): string | undefined {
  const bearer = /^bearer +(\S+) *$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (bearer !== undefined) return bearer;
  // Anywhere else a token in the URL would end up in logs and histories: not accepted.
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") return c.req.query("token") || undefined;
  return undefined;
}
