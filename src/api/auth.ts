/** Bearer-token guard for control routes, active only when API_TOKEN is set. */
import type { MiddlewareHandler } from "hono";
import { readConfig, type Env } from "../config";
import { ApiError } from "../errors";

export const requireToken: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const token = readConfig(c.env).apiToken;
  if (token) {
    // The scheme name is case-insensitive (RFC 7235).
    const given = /^bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
    if (!(await sameSecret(given, token))) throw new ApiError(401, "missing or wrong bearer token");
  }
  await next();
};

/** Compares digests, so the time taken says nothing about how much of the token matched. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [da, db] = await Promise.all([crypto.subtle.digest("SHA-256", enc.encode(a)), crypto.subtle.digest("SHA-256", enc.encode(b))]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}
