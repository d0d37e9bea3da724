/**
 * The page's end of `GET /v1/ws`: one WebSocket, opened again after a drop (1 s, then up to 10 s
 * apart), and a ping every 30 s that the feed answers without waking up. The token, if any, goes
 * as a subprotocol (src/api/ws-token.ts), never in the URL.
 */
import { WS_PROTOCOL, tokenProtocol } from "../src/api/ws-token";
import { storedToken } from "./token";
import type { TestMetrics } from "./types";

export type ConnectionState = "connecting" | "open" | "closed";

export function connectLive(onMetrics: (m: TestMetrics) => void, onState: (state: ConnectionState) => void): void {
  let retryMs = 1_000;
  let ping: ReturnType<typeof setInterval> | undefined;
  const open = () => {
    const token = storedToken();
    const url = new URL("/v1/ws", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url, token ? [WS_PROTOCOL, tokenProtocol(token)] : [WS_PROTOCOL]);
    onState("connecting");
    socket.addEventListener("open", () => {
      retryMs = 1_000;
      onState("open");
      ping = setInterval(() => socket.send("ping"), 30_000);
    });
    socket.addEventListener("message", (event) => {
      if (event.data !== "pong") onMetrics(JSON.parse(event.data as string) as TestMetrics);
    });
    socket.addEventListener("close", () => {
      clearInterval(ping);
      onState("closed");
      setTimeout(open, retryMs);
      retryMs = Math.min(10_000, retryMs * 2);
    });
  };
  open();
}
