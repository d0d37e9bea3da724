/**
 * A real HTTP proxy in front of anvil that injects the faults RPC endpoints really have. Faults
 * apply to requests that carry `eth_sendRawTransaction`; everything else passes through, except
 * while the endpoint is "down", when every connection is refused.
 *
 * Tests switch faults on and off mid-run through a separate control port:
 *   POST /faults  { dropAfterForward, rateLimit, unavailable, delay, blackhole, reject, … }  (replaces)
 *   POST /down    { ms }   refuse every connection for `ms`
 *   GET  /stats            how many of each fault were injected since the last reset
 *   POST /trap             where `redirect` points: counts a followed redirect, answers success
 *   POST /stats/reset
 *   POST /report {…}       a scenario's figures, collected for the README's fault table
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { keccak256 } from "viem";
import { mulberry32 } from "./seeded-random";

export interface FaultConfig {
  /** Forward, let the node accept, then destroy the connection: the sender never hears back. */
  dropAfterForward?: number;
  /** Answer 429 with Retry-After, without forwarding. */
  rateLimit?: number;
  retryAfterSec?: number;
  /** Answer 503 without forwarding. */
  unavailable?: number;
  /** Hold the request for `delayMs` (plus up to `delayJitterMs`, drawn per request: later sends may overtake), then forward. */
  delay?: number;
  delayMs?: number;
  delayJitterMs?: number;
  /** Answer success with the right hashes without forwarding: a node that "forgets" transactions. */
  blackhole?: number;
  /**
   * Answer 307 to the control server's /trap, without forwarding. The trap answers success, so a
   * client that follows the redirect gets an answer and shows in `redirectFollowed`.
   */
  redirect?: number;
  /** Answer 200 with the right hashes, without forwarding, in a body padded beyond `oversizeBytes`. */
  oversize?: number;
  oversizeBytes?: number;
  /**
   * "chunked" (default): the body streams with no Content-Length, so only counting bytes catches it.
   * "declared": the Content-Length says the full size, but only the first KiB follows and the rest
   * is held back: a client that reads instead of checking the header waits for its timeout.
   */
  oversizeLength?: "chunked" | "declared";
  /**
   * Per call of a send batch: answer a JSON-RPC error inside the 200 batch answer, without
   * forwarding that call (the others are forwarded): a node that refuses the transaction outright.
   */
  reject?: number;
  /** The refusal's wording (default: geth's insufficient-funds error). */
  rejectMessage?: string;
  seed?: number;
}

export type FaultKind = "dropAfterForward" | "rateLimit" | "unavailable" | "delay" | "blackhole" | "redirect" | "oversize" | "reject" | "down";

export interface FaultStats {
  requests: number;
  sendRequests: number;
  /** Most proxied requests open at once since the last reset. */
  maxInFlight: number;
  /** Most send requests (batches carrying eth_sendRawTransaction) open at once since the last reset. */
  maxSendsInFlight: number;
  /** Requests that arrived at /trap: redirects some client followed. */
  redirectFollowed: number;
  injected: Record<FaultKind, number>;
}

export interface FaultProxy {
  url: string;
  controlUrl: string;
  reports: () => unknown[];
  close: () => Promise<void>;
}

const emptyStats = (): FaultStats => ({
  requests: 0,
  sendRequests: 0,
  maxInFlight: 0,
  maxSendsInFlight: 0,
  redirectFollowed: 0,
  injected: { dropAfterForward: 0, rateLimit: 0, unavailable: 0, delay: 0, blackhole: 0, redirect: 0, oversize: 0, reject: 0, down: 0 },
});

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

interface JsonRpcCall {
  id: number;
  method: string;
  params: unknown[];
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

type RpcRequest = { id: number; method?: string; params?: unknown[] };

/** A success for every call, as a node that accepted the raw transactions would answer. */
function acceptAll(calls: RpcRequest[] | RpcRequest): unknown {
  const answer = (c: RpcRequest) => {
    const raw = c.params?.[0];
    return { jsonrpc: "2.0", id: c.id, result: typeof raw === "string" && raw.startsWith("0x") ? keccak256(raw as `0x${string}`) : null };
  };
  return Array.isArray(calls) ? calls.map(answer) : answer(calls);
}

/** `answer` (a JSON-RPC array or object) with a padding field that takes its body past `minBytes`. */
function padded(answer: unknown, minBytes: number): Buffer {
  const first = Array.isArray(answer) ? answer[0] : answer;
  (first as Record<string, unknown>).padding = "x".repeat(Math.max(0, minBytes) + 1);
  return Buffer.from(JSON.stringify(answer));
}

async function sendOversize(res: ServerResponse, body: Buffer, declared: boolean): Promise<void> {
  if (declared) {
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.write(body.subarray(0, 1024));
    // Hold the rest back until the client gives up (or long after any client timeout).
    const hold = setTimeout(() => res.destroy(), 60_000);
    hold.unref();
    res.on("close", () => clearTimeout(hold));
    return;
  }
  res.writeHead(200, { "content-type": "application/json" });
  for (let at = 0; at < body.length && !res.destroyed; at += 16 * 1024) {
    if (!res.write(body.subarray(at, at + 16 * 1024))) await new Promise((r) => res.once("drain", r).once("close", r));
  }
  res.end();
}

export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  let config: FaultConfig = {};
  let random = mulberry32(1);
  let stats = emptyStats();
  let downUntil = 0;
  let inFlight = 0;
  let sendsInFlight = 0;
  let controlUrl = "";
  const reports: unknown[] = [];
  const sockets = new Set<Socket>();

  const forward = (body: Buffer, headers: IncomingMessage["headers"]) =>
    new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
      const upstream = httpRequest(
        { hostname: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { "content-type": headers["content-type"] ?? "application/json", "content-length": body.length } },
        async (res) => resolve({ status: res.statusCode ?? 502, headers: { "content-type": String(res.headers["content-type"] ?? "application/json") }, body: await readBody(res) }),
      );
      upstream.on("error", reject);
      upstream.end(body);
    });

  const roll = (p: number | undefined) => (p ?? 0) > 0 && random() < (p ?? 0);

  /** Splits a send batch into refused calls (answered here) and the body to forward (null: none). */
  const refuseSome = (body: Buffer): { refusals: unknown[]; forward: Buffer | null } => {
    const parsed = JSON.parse(body.toString()) as JsonRpcCall[] | JsonRpcCall;
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    const refusals: unknown[] = [];
    const kept = calls.filter((c) => {
      if (c.method !== "eth_sendRawTransaction" || !roll(config.reject)) return true;
      stats.injected.reject += 1;
      refusals.push({ jsonrpc: "2.0", id: c.id, error: { code: -32000, message: config.rejectMessage ?? "insufficient funds for gas * price + value" } });
      return false;
    });
    if (refusals.length === 0) return { refusals, forward: body };
    return { refusals, forward: kept.length === 0 ? null : Buffer.from(JSON.stringify(kept)) };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    stats.requests += 1;
    const isSend = body.includes("eth_sendRawTransaction");
    if (isSend) {
      stats.sendRequests += 1;
      sendsInFlight += 1;
      stats.maxSendsInFlight = Math.max(stats.maxSendsInFlight, sendsInFlight);
      res.once("close", () => (sendsInFlight -= 1));
      if (roll(config.redirect)) {
        stats.injected.redirect += 1;
        res.writeHead(307, { location: `${controlUrl}/trap`, "content-type": "text/plain" }).end("Temporary Redirect");
        return;
      }
      if (roll(config.oversize)) {
        stats.injected.oversize += 1;
        await sendOversize(res, padded(acceptAll(JSON.parse(body.toString())), config.oversizeBytes ?? 1024 * 1024), config.oversizeLength === "declared");
        return;
      }
      if (roll(config.rateLimit)) {
        stats.injected.rateLimit += 1;
        res.writeHead(429, { "retry-after": String(config.retryAfterSec ?? 1), "content-type": "text/plain" }).end("Too Many Requests");
        return;
      }
      if (roll(config.unavailable)) {
        stats.injected.unavailable += 1;
        res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
        return;
      }
      if (roll(config.blackhole)) {
        stats.injected.blackhole += 1;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(acceptAll(JSON.parse(body.toString()))));
        return;
      }
      if (roll(config.delay)) {
        stats.injected.delay += 1;
        await new Promise((r) => setTimeout(r, (config.delayMs ?? 3_000) + random() * (config.delayJitterMs ?? 0)));
      }
    }
    const { refusals, forward: toForward } = isSend && (config.reject ?? 0) > 0 ? refuseSome(body) : { refusals: [], forward: body };
    if (toForward === null) {
      // Everything refused. A single call (not a batch) gets a single answer.
      const single = !body.toString().trimStart().startsWith("[");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(single ? refusals[0] : refusals));
      return;
    }
    let upstream;
    try {
      upstream = await forward(toForward, req.headers);
    } catch {
      res.writeHead(502).end();
      return;
    }
    if (refusals.length > 0) {
      // A batch answer is matched by id, so the refusals can simply join the node's answers.
      const answers = JSON.parse(upstream.body.toString()) as unknown[] | unknown;
      upstream.body = Buffer.from(JSON.stringify([...(Array.isArray(answers) ? answers : [answers]), ...refusals]));
    }
    if (isSend && roll(config.dropAfterForward)) {
      stats.injected.dropAfterForward += 1;
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, upstream.headers).end(upstream.body);
  };

  const proxy = createServer((req, res) => {
    inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    res.once("close", () => (inFlight -= 1));
    handle(req, res).catch(() => res.destroy());
  });
  proxy.on("connection", (socket) => {
    if (Date.now() < downUntil) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listen(proxy);

  const goDown = async (ms: number) => {
    // Stop listening (new connections are refused by the OS) and cut the open ones.
    downUntil = Date.now() + ms;
    stats.injected.down += 1;
    await new Promise<void>((r) => proxy.close(() => r()));
    for (const s of sockets) s.destroy();
    setTimeout(() => void listen(proxy, port).catch(() => {}), ms);
  };

  const control = createServer(async (req, res) => {
    const body = req.method === "POST" ? JSON.parse((await readBody(req)).toString() || "{}") : {};
    if (req.url === "/faults" && req.method === "POST") {
      config = body as FaultConfig;
      random = mulberry32(config.seed ?? 1);
    } else if (req.url === "/trap" && req.method === "POST") {
      stats.redirectFollowed += 1;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(acceptAll(body)));
      return;
    } else if (req.url === "/stats/reset" && req.method === "POST") {
      stats = emptyStats();
    } else if (req.url === "/report" && req.method === "POST") {
      reports.push(body);
    } else if (req.url === "/down" && req.method === "POST") {
      void goDown(Number(body.ms ?? 5_000));
    } else if (req.url !== "/stats") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ config, stats }));
  });
  const controlPort = await listen(control);
  controlUrl = `http://127.0.0.1:${controlPort}`;

  return {
    url: `http://127.0.0.1:${port}`,
    controlUrl,
    reports: () => reports,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise((r) => proxy.close(() => r(null))), new Promise((r) => control.close(() => r(null)))]);
    },
  };
}
