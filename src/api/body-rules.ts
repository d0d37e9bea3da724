/**
 * Request bodies (PRODUCT.md §10): JSON only (else 415), at most 64 KiB (else 413). A declared
 * Content-Length is refused before anything is read; a chunked body is read only up to the limit.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { MAX_REQUEST_BODY_BYTES } from "../config";
import { ApiError } from "../errors";

/** A request with a body must say it is JSON; one without (a bodiless POST /stop) needs no type. */
const jsonOnly: MiddlewareHandler = async (c, next) => {
  const hasBody = c.req.raw.body !== null && c.req.header("content-length") !== "0";
  if (hasBody) {
    const type = c.req.header("content-type")?.split(";")[0].trim().toLowerCase();
    if (type !== "application/json") throw new ApiError(415, `request bodies must be application/json${type ? `, not ${type}` : ": no Content-Type was given"}`);
  }
  await next();
};

const sizeLimit = bodyLimit({
  maxSize: MAX_REQUEST_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, `request bodies may be at most ${MAX_REQUEST_BODY_BYTES} bytes (64 KiB)`);
  },
});

export const bodyRules = every(jsonOnly, sizeLimit);
