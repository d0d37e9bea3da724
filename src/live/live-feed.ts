/**
 * LiveFeed: the one object behind `GET /v1/ws`. It holds every viewer's WebSocket through the
 * hibernation API (`ctx.acceptWebSocket`), so between runs, when no push arrives, it is evicted
 * from memory and viewers that only wait cost nothing; a push wakes it. The run's coordinator
 * pushes its metrics every tick (live/publisher.ts), and each push that changes the picture
 * (feed-rules.ts) goes to every viewer at once. A new viewer gets the latest picture on connect.
 *
 * One object for the whole deployment: there is one live run at a time, and an object accepts far
 * more sockets (32k) than a load test has viewers.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config";
import type { TestMetrics } from "../metrics/test-metrics";
import { latestRunMetrics } from "../api/latest-run";
import { WS_PROTOCOL } from "../api/ws-token";
import { admit, type FeedLatest, type FeedPush } from "./feed-rules";

const LATEST_KEY = "latest";

export const liveFeedOf = (env: Env) => env.LIVE_FEED.get(env.LIVE_FEED.idFromName("live"));

export class LiveFeed extends DurableObject<Env> {
  private latest: FeedLatest | undefined = this.ctx.storage.kv.get<FeedLatest>(LATEST_KEY);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alive pings are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** A viewer connects (the worker checked the token and the Upgrade header). */
  async fetch(request: Request): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send(this.latest?.json ?? JSON.stringify(await this.lastRunMetrics()));
    const headers = request.headers.get("sec-websocket-protocol") === WS_PROTOCOL ? { "sec-websocket-protocol": WS_PROTOCOL } : undefined;
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /** A coordinator's picture of its run; sent to every viewer unless it is stale or unchanged. */
  publish(push: FeedPush): void {
    const admitted = admit(this.latest, push);
    if (!admitted) return;
    this.latest = admitted.latest;
    if (admitted.persist) this.ctx.storage.kv.put(LATEST_KEY, admitted.latest);
    for (const viewer of this.ctx.getWebSockets()) {
      try {
        viewer.send(admitted.latest.json);
      } catch {
        // A viewer that is going away: the others still get theirs.
      }
    }
  }

  /** Any message but the keep-alive ping asks for the latest picture again. */
  async webSocketMessage(viewer: WebSocket): Promise<void> {
    viewer.send(this.latest?.json ?? JSON.stringify(await this.lastRunMetrics()));
  }

  async webSocketClose(viewer: WebSocket, code: number, reason: string): Promise<void> {
    try {
      viewer.close(code, reason);
    } catch {
      // Already closed by the runtime.
    }
  }

  /** Before the first push ever: what /v1/status would say (a run from before the feed existed, or none). */
  private async lastRunMetrics(): Promise<TestMetrics> {
    return (await latestRunMetrics(this.env)).metrics;
  }
}
