/** `GET /v1/ws`: the live feed of TestMetrics (live/live-feed.ts). The token was checked by auth.ts. */
import { Hono } from "hono";
import type { Env } from "../config";
import { liveFeedOf } from "../live/live-feed";
import { noQuery } from "./schemas";
import { parseQuery } from "./validate";
import { WS_PROTOCOL, offeredProtocols } from "./ws-token";

export const liveFeedRoutes = new Hono<{ Bindings: Env }>();

liveFeedRoutes.get("/ws", async (c) => {
  parseQuery(c, noQuery);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    c.header("upgrade", "websocket");
    return c.json({ error: "GET /v1/ws is a WebSocket: connect with Upgrade: websocket (a browser: new WebSocket(url, ['loadgen']))" }, 426);
  }
  // Only what the feed needs goes on: not the token, whichever way it came.
  const headers: Record<string, string> = { upgrade: "websocket" };
  if (offeredProtocols(c.req.header("sec-websocket-protocol")).includes(WS_PROTOCOL)) headers["sec-websocket-protocol"] = WS_PROTOCOL;
  return liveFeedOf(c.env).fetch("https://live-feed/viewers", { headers });
});
