/**
 * The three WebSocket feeds on one HTTP server, told apart by path (a real builder serves the
 * preconfirmation and block-metrics feeds on one origin, PRODUCT.md §8). One `ws` server in
 * noServer mode takes the upgrades this hub accepts; each feed keeps its own set of clients.
 *
 * Flashblock frames are text JSON or Brotli-compressed binary, as Base's public endpoint sends
 * them. The `flashblockFrames` setting picks the encoding for every connection, except one that
 * pinned its own with `?encoding=text|brotli`: that lets a test hold both encodings of the same
 * frames side by side.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { brotliCompressSync } from "node:zlib";
import { WebSocket, WebSocketServer } from "ws";
import type { FrameEncoding } from "./control";
import { FEEDS, type FeedName, type TestBuilderStats } from "./stats";

export const FEED_PATHS: Record<FeedName, string> = {
  preconf: "/ws/preconfirmations",
  "block-metrics": "/ws/block-metrics",
  flashblocks: "/ws/flashblocks",
};

export interface FeedHub {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Sends one JSON message to every open client of `feed`. */
  broadcast(feed: FeedName, message: unknown): void;
  /** Cuts the clients' TCP connections at once, as a crashed builder would (close code 1006). */
  disconnect(feeds: readonly FeedName[]): void;
  refuseFor(ms: number): void;
  clientCount(feed: FeedName): number;
  close(): void;
}

export function createFeedHub(stats: () => TestBuilderStats, defaultEncoding: () => FrameEncoding): FeedHub {
  const server = new WebSocketServer({ noServer: true });
  const clients = Object.fromEntries(FEEDS.map((f) => [f, new Set<WebSocket>()])) as Record<FeedName, Set<WebSocket>>;
  const pinned = new WeakMap<WebSocket, FrameEncoding>();
  let refuseUntil = 0;

  const refuse = (socket: Duplex, status: string, extra = "") => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`);
    socket.destroy();
  };

  return {
    upgrade(req, socket, head) {
      const url = new URL(req.url ?? "/", "http://builder");
      const feed = FEEDS.find((f) => FEED_PATHS[f] === url.pathname);
      if (!feed) return refuse(socket, "404 Not Found");
      const now = Date.now();
      if (now < refuseUntil) {
        stats().refusedUpgrades += 1;
        return refuse(socket, "503 Service Unavailable", `Retry-After: ${Math.ceil((refuseUntil - now) / 1000)}\r\n`);
      }
      server.handleUpgrade(req, socket, head, (ws) => {
        const encoding = url.searchParams.get("encoding");
        if (encoding === "text" || encoding === "brotli") pinned.set(ws, encoding);
        clients[feed].add(ws);
        ws.on("close", () => clients[feed].delete(ws));
        // A client that errors (reset mid-frame) is just gone; nothing to report upward.
        ws.on("error", () => ws.terminate());
      });
    },

    broadcast(feed, message) {
      const text = JSON.stringify(message);
      let brotli: Buffer | undefined;
      for (const ws of clients[feed]) {
        if (ws.readyState !== WebSocket.OPEN) continue;
        const encoding = feed === "flashblocks" ? (pinned.get(ws) ?? defaultEncoding()) : "text";
        if (encoding === "brotli") {
          brotli ??= brotliCompressSync(Buffer.from(text));
          ws.send(brotli, { binary: true });
        } else {
          ws.send(text);
        }
        if (feed === "flashblocks") stats().flashblocks.frames[encoding] += 1;
      }
    },

    disconnect(feeds) {
      for (const feed of feeds) {
        for (const ws of clients[feed]) {
          ws.terminate();
          stats().disconnects[feed] += 1;
        }
        clients[feed].clear();
      }
    },

    refuseFor(ms) {
      refuseUntil = Date.now() + ms;
    },

    clientCount: (feed) => clients[feed].size,

    close() {
      for (const feed of FEEDS) for (const ws of clients[feed]) ws.terminate();
      server.close();
    },
  };
}
