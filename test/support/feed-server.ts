/**
 * A real WebSocket and HTTP server standing in for a builder's feeds, for the workerd suites to
 * connect to (test/workers/feeds-socket.test.ts). Each `/ws/<name>` path plays a script the test
 * set; `GET /status` answers what the test set. Control, on the same port:
 *   PUT  /control/script/<name>  { connections: [{ frames, then, refuse? }, ...] }  connection i plays
 *                                script min(i, last); frames are { text } | { json } | { brotliJson }
 *                                | { binaryText }; then: "stay" | "close" | "terminate";
 *                                refuse: answer 503; hang: never answer
 *   GET  /control/connections/<name>  { upgrades, refused, lastAuthorization, lastQuery }
 *   PUT  /control/status         { code?, body?, delayMs? }   what GET /status answers (default 404)
 *   GET  /control/status-request the last GET /status: { authorization, search }
 *   POST /control/reset          forget every script, count and status
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { brotliCompressSync } from "node:zlib";
import { WebSocketServer, type WebSocket } from "ws";

export type ScriptFrame = { text: string } | { json: unknown } | { brotliJson: unknown } | { binaryText: string };

export interface ConnectionScript {
  frames?: ScriptFrame[];
  /** After the frames: keep the connection open, close it cleanly, or cut it (no close frame). */
  then?: "stay" | "close" | "terminate";
  /** Answer the upgrade with HTTP 503 instead. */
  refuse?: boolean;
  /** Never answer the upgrade (the connection stays open, silent): a client must time out. */
  hang?: boolean;
}

interface PathState {
  upgrades: number;
  refused: number;
  lastAuthorization: string | null;
  lastQuery: string;
}

export interface FeedServer {
  url: string;
  close(): Promise<void>;
}

function encode(frame: ScriptFrame): { data: string | Buffer; binary: boolean } {
  if ("text" in frame) return { data: frame.text, binary: false };
  if ("json" in frame) return { data: JSON.stringify(frame.json), binary: false };
  if ("binaryText" in frame) return { data: Buffer.from(frame.binaryText, "utf8"), binary: true };
  return { data: Buffer.from(brotliCompressSync(Buffer.from(JSON.stringify(frame.brotliJson), "utf8"))), binary: true };
}

async function body(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : JSON.parse(text);
}

export async function startFeedServer(): Promise<FeedServer> {
  let scripts = new Map<string, ConnectionScript[]>();
  let paths = new Map<string, PathState>();
  let status: { code?: number; body?: string; delayMs?: number } = {};
  let statusRequest: { authorization: string | null; search: string } | null = null;
  const stateOf = (name: string) => paths.get(name) ?? paths.set(name, { upgrades: 0, refused: 0, lastAuthorization: null, lastQuery: "" }).get(name)!;
  const wss = new WebSocketServer({ noServer: true });
  const hung: Duplex[] = [];
  const json = (res: ServerResponse, code: number, value: unknown) => res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(value));

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://feeds");
    try {
      if (req.method === "PUT" && url.pathname.startsWith("/control/script/")) {
        scripts.set(url.pathname.slice("/control/script/".length), (await body(req)).connections ?? []);
        return json(res, 200, { ok: true });
      }
      if (req.method === "GET" && url.pathname.startsWith("/control/connections/")) return json(res, 200, stateOf(url.pathname.slice("/control/connections/".length)));
      if (req.method === "PUT" && url.pathname === "/control/status") {
        status = await body(req);
        return json(res, 200, { ok: true });
      }
      if (req.method === "GET" && url.pathname === "/control/status-request") return json(res, 200, statusRequest);
      if (req.method === "POST" && url.pathname === "/control/reset") {
        scripts = new Map();
        paths = new Map();
        status = {};
        statusRequest = null;
        return json(res, 200, { ok: true });
      }
      if (req.method === "GET" && url.pathname === "/status") {
        statusRequest = { authorization: req.headers.authorization ?? null, search: url.search };
        if (status.delayMs) await new Promise((r) => setTimeout(r, status.delayMs));
        if (res.destroyed) return;
        return res.writeHead(status.code ?? 404, { "content-type": "application/json" }).end(status.body ?? "");
      }
      json(res, 404, { error: "no such path" });
    } catch (err) {
      json(res, 400, { error: String(err) });
    }
  });

  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://feeds");
    if (!url.pathname.startsWith("/ws/")) return socket.destroy();
    const name = url.pathname.slice("/ws/".length);
    const state = stateOf(name);
    const list = scripts.get(name) ?? [];
    const script = list[Math.min(state.upgrades + state.refused, list.length - 1)] ?? {};
    state.lastAuthorization = req.headers.authorization ?? null;
    state.lastQuery = url.search;
    if (script.hang) {
      state.refused++;
      hung.push(socket);
      return;
    }
    if (script.refuse) {
      state.refused++;
      socket.end("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      return;
    }
    state.upgrades++;
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      for (const frame of script.frames ?? []) {
        const { data, binary } = encode(frame);
        ws.send(data, { binary });
      }
      if (script.then === "close") ws.close(1001, "script done");
      else if (script.then === "terminate") setTimeout(() => ws.terminate(), 20);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      for (const socket of hung) socket.destroy();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
