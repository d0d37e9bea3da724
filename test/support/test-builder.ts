/**
 * A stand-in block builder for tests (issue 11): no real builder runs here, so this Node process
 * sits in front of anvil, forwards JSON-RPC to it unchanged, and speaks the builder's feeds
 * (PRODUCT.md §8) from what it forwarded and what anvil mined, with faults on demand.
 *
 *   POST /                        JSON-RPC, single or batch, forwarded to anvil byte for byte
 *   GET  /status                  the builder status a run snapshots into its environment
 *   WS   /ws/preconfirmations     pending → preconfirmed → confirmed (+ revoked, dropped, requeued)
 *   WS   /ws/block-metrics        one message per mined block
 *   WS   /ws/flashblocks          op-rbuilder payloads (?encoding=text|brotli pins a connection)
 *   GET  /control                 the fault settings;  POST /control merges (see control.ts)
 *   GET  /control/stats           what was emitted;    POST /control/reset  defaults + zero stats
 *
 * Nothing is logged: raw transactions and anvil's answers stay inside the feeds and the stats.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Hex } from "viem";
import { blockMetrics } from "./test-builder/block-metrics";
import { watchChain } from "./test-builder/chain-watch";
import { defaultSettings, mergeSettings, parseControl } from "./test-builder/control";
import { createFeedHub, FEED_PATHS } from "./test-builder/feed-hub";
import { createFlashblocks } from "./test-builder/flashblocks";
import { pollLoop } from "./test-builder/poll-loop";
import { createPreconfFeed } from "./test-builder/preconf-feed";
import { acceptedRawTxs, calledMethods, forwardRpc } from "./test-builder/rpc-forward";
import { emptyStats, FEEDS, type TestBuilderStats } from "./test-builder/stats";
import { createTxTracker } from "./test-builder/tx-lifecycle";

export type { BlockMetrics } from "./test-builder/block-metrics";
export type { ControlRequest, FaultSettings } from "./test-builder/control";
export type { Flashblock } from "./test-builder/flashblocks";
export type { PreconfBatch, PreconfEvent } from "./test-builder/preconf-feed";
export type { FeedName, PreconfStatus, TestBuilderStats } from "./test-builder/stats";

export interface TestBuilderOptions {
  /** anvil's JSON-RPC URL. */
  upstreamUrl: string;
  /** 0 or absent: a free port. */
  port?: number;
  flashblockIntervalMs?: number;
  blockPollMs?: number;
  preconfDelayMs?: number;
}

export interface TestBuilder {
  rpcUrl: string;
  preconfWsUrl: string;
  blockMetricsWsUrl: string;
  flashblocksWsUrl: string;
  controlUrl: string;
  stats(): TestBuilderStats;
  close(): Promise<void>;
}

const TRANSFER_GAS = 21_000;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

export async function startTestBuilder(opts: TestBuilderOptions): Promise<TestBuilder> {
  const settings = defaultSettings(opts.preconfDelayMs);
  let stats = emptyStats();
  const current = () => stats;

  const chain = watchChain(opts.upstreamUrl, {
    onHead: (head) => flashblocks.startAfter(head),
    onMined: (block) => {
      flashblocks.sealed(block); // first: the tracker lets go of the mined txs' raw bytes
      txs.mined({ number: Number(block.number), transactions: block.transactions });
      const sendMetrics = () => {
        hub.broadcast("block-metrics", blockMetrics(block));
        stats.blockMetrics.messages += 1;
        stats.blockMetrics.lastBlockNumber = Number(block.number);
      };
      if (settings.blockMetricsDelayMs > 0) setTimeout(sendMetrics, settings.blockMetricsDelayMs).unref();
      else sendMetrics();
    },
  });
  const hub = createFeedHub(current, () => settings.flashblockFrames);
  const preconf = createPreconfFeed((message) => hub.broadcast("preconf", message), settings, current);
  const txs = createTxTracker(preconf, settings, () => Number(chain.head()?.number ?? -1) + 1);
  const flashblocks = createFlashblocks((fb) => hub.broadcast("flashblocks", fb), (hash: Hex) => txs.get(hash)?.raw, current);

  const snapshot = (): TestBuilderStats => ({
    ...structuredClone(stats),
    pendingTxCount: txs.pendingCount(),
    clients: { preconf: hub.clientCount("preconf"), "block-metrics": hub.clientCount("block-metrics"), flashblocks: hub.clientCount("flashblocks") },
  });

  const status = async () => {
    const gasLimit = chain.head() ? Number(chain.head()!.gasLimit) : null;
    return {
      pendingTxCount: txs.pendingCount(),
      // How many plain transfers fit under the gas limit: anvil itself has no count limit.
      maxTxsPerBlock: gasLimit === null ? null : Math.floor(gasLimit / TRANSFER_GAS),
      blockTimeMs: await chain.blockTimeMs(),
      gasLimit,
      txOrdering: "fifo",
      enablePreconfirmations: true,
      version: "test-builder/1",
    };
  };

  const rpc = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    stats.rpc.requests += 1;
    for (const method of calledMethods(body)) stats.rpc.methods[method] = (stats.rpc.methods[method] ?? 0) + 1;
    let answer;
    try {
      answer = await forwardRpc(opts.upstreamUrl, body, req.headers["content-type"]);
    } catch {
      stats.rpc.upstreamErrors += 1;
      return json(res, 502, { jsonrpc: "2.0", id: null, error: { code: -32603, message: "test builder: upstream unreachable" } });
    }
    for (const raw of acceptedRawTxs(body, answer.body)) if (txs.accept(raw)) stats.rpc.acceptedTxs += 1;
    res.writeHead(answer.status, { "content-type": answer.contentType }).end(answer.body);
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (req.method === "GET" && path === "/control") return json(res, 200, { settings });
    if (req.method === "GET" && path === "/control/stats") return json(res, 200, snapshot());
    if (req.method === "POST" && path === "/control/reset") {
      Object.assign(settings, defaultSettings(opts.preconfDelayMs));
      stats = emptyStats();
      return json(res, 200, { settings });
    }
    if (req.method !== "POST" || path !== "/control") return json(res, 404, { error: "not found" });
    let request;
    try {
      request = parseControl(JSON.parse((await readBody(req)).toString() || "{}"));
    } catch {
      request = "the body is not JSON";
    }
    if (typeof request === "string") return json(res, 400, { error: request });
    const { disconnect, refuseMs } = mergeSettings(settings, request);
    if (refuseMs !== undefined) hub.refuseFor(refuseMs);
    if (disconnect !== undefined) hub.disconnect(disconnect === "all" ? FEEDS : [disconnect]);
    return json(res, 200, { settings });
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://builder").pathname;
    const handled =
      req.method === "GET" && path === "/status" ? status().then((body) => json(res, 200, body))
      : path === "/control" || path.startsWith("/control/") ? control(req, res, path)
      : req.method === "POST" ? rpc(req, res)
      : Promise.resolve(json(res, 404, { error: "not found" }));
    handled.catch(() => res.destroy());
  });
  server.on("upgrade", (req, socket, head) => hub.upgrade(req, socket, head));

  // A first look at the chain before serving, so that the first txs know their block. If anvil is
  // not up yet, the loop keeps trying.
  await chain.poll().catch(() => (stats.pollErrors += 1));
  const flashblockMs = opts.flashblockIntervalMs ?? 200;
  let nextFlashblockAt = Date.now() + flashblockMs;
  const loop = pollLoop(
    opts.blockPollMs ?? 50,
    async () => {
      await chain.poll();
      if (Date.now() < nextFlashblockAt) return;
      nextFlashblockAt = Date.now() + flashblockMs;
      flashblocks.building(await chain.pending());
    },
    () => (stats.pollErrors += 1),
  );

  server.listen(opts.port ?? 0, "127.0.0.1");
  await once(server, "listening").catch(async (error) => {
    await loop.stop();
    throw error;
  });
  const origin = `127.0.0.1:${(server.address() as { port: number }).port}`;

  return {
    rpcUrl: `http://${origin}`,
    preconfWsUrl: `ws://${origin}${FEED_PATHS.preconf}`,
    blockMetricsWsUrl: `ws://${origin}${FEED_PATHS["block-metrics"]}`,
    flashblocksWsUrl: `ws://${origin}${FEED_PATHS.flashblocks}`,
    controlUrl: `http://${origin}/control`,
    stats: snapshot,
    close: async () => {
      await loop.stop();
      txs.close();
      hub.close();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
