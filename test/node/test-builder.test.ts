/**
 * The test builder (test/support/test-builder.ts) in front of a real anvil with 1 s blocks: real
 * signed transfers go in through its JSON-RPC in a batch, real `ws` clients read every feed, and
 * each feed is checked against what anvil itself says (receipts, blocks). Transfers are sent just
 * after a block is announced, so a whole lifecycle fits before the next seal.
 *
 * The tests share one builder and run in order: the seqNum check reads a client's whole history,
 * and the disconnect test cuts every client (it reconnects them) before the reset and the lone
 * builder whose anvil goes away.
 */
import { brotliDecompressSync } from "node:zlib";
import { keccak256, toHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startAnvil, type Anvil } from "../../scripts/lib/anvil";
import { jsonRpc } from "../../scripts/lib/json-rpc";
import { DEV_MNEMONIC } from "../../src/config";
import { startTestBuilder, type BlockMetrics, type Flashblock, type PreconfBatch, type PreconfEvent, type TestBuilder } from "../support/test-builder";
import { until } from "../support/until";

interface Client {
  socket: WebSocket;
  frames: Array<{ binary: boolean; text: string }>;
  messages: any[];
  closed: Promise<number>;
}

let anvil: Anvil;
let builder: TestBuilder;
let preconf: Client;
let metrics: Client;
let flash: Client;
const clients: Client[] = [];

async function connect(url: string): Promise<Client> {
  const socket = new WebSocket(url);
  const client: Client = { socket, frames: [], messages: [], closed: new Promise((r) => socket.once("close", (code) => r(code))) };
  socket.on("message", (data, binary) => {
    const text = binary ? brotliDecompressSync(data as Buffer).toString() : String(data);
    client.frames.push({ binary, text });
    client.messages.push(JSON.parse(text));
  });
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  clients.push(client);
  return client;
}

const control = async (body: unknown) => {
  const response = await fetch(builder.controlUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
};

const getJson = async (url: string) => (await fetch(url)).json() as Promise<any>;

const events = (client: Client, from = 0): PreconfEvent[] =>
  client.messages.slice(from).flatMap((m: PreconfEvent | PreconfBatch) => ("events" in m ? m.events : [m]));

const statuses = (client: Client, hash: Hex) => events(client).filter((e) => e.txHash === hash).map((e) => e.status);

const senders = [1, 2].map((addressIndex) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex }));
const nonces = new Map<string, number>();

/** `count` signed transfers, round robin over two dev accounts. */
async function signTransfers(count: number): Promise<Hex[]> {
  const raws: Hex[] = [];
  for (let i = 0; i < count; i++) {
    const sender = senders[i % senders.length];
    const nonce = nonces.get(sender.address) ?? Number(await jsonRpc<Hex>(anvil.url, "eth_getTransactionCount", [sender.address, "pending"]));
    nonces.set(sender.address, nonce + 1);
    raws.push(await sender.signTransaction({ chainId: 31337, type: "eip1559", nonce, to: senders[(i + 1) % senders.length].address, value: 1n, gas: 21_000n, maxFeePerGas: 20_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }));
  }
  return raws;
}

/** Sends in ONE JSON-RPC batch through the builder; returns the hashes (checked against anvil's). */
async function sendBatch(raws: Hex[]): Promise<Hex[]> {
  const calls = raws.map((raw, id) => ({ jsonrpc: "2.0", id, method: "eth_sendRawTransaction", params: [raw] }));
  const answers = (await (await fetch(builder.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(calls) })).json()) as Array<{ id: number; result: Hex }>;
  const hashes = raws.map((raw) => keccak256(raw));
  expect(answers.sort((a, b) => a.id - b.id).map((a) => a.result)).toEqual(hashes);
  return hashes;
}

/** Waits for the next block-metrics message: the next seal is then about a block time away. */
async function freshBlock(): Promise<void> {
  const seen = metrics.messages.length;
  await until("a new block", () => metrics.messages.length > seen, 3_000);
}

const confirmed = (hashes: Hex[]) => until("every tx confirmed on the feed", () => hashes.every((h) => statuses(preconf, h).includes("confirmed")), 10_000);

/** Sends `count` transfers right after a seal and waits until the feed confirmed them all. */
async function sendAndConfirm(count: number): Promise<Hex[]> {
  await freshBlock();
  const hashes = await sendBatch(await signTransfers(count));
  await confirmed(hashes);
  return hashes;
}

const receipt = (hash: Hex) => jsonRpc<{ blockNumber: Hex; transactionIndex: Hex }>(anvil.url, "eth_getTransactionReceipt", [hash]);

describe("test builder", () => {
  beforeAll(async () => {
    anvil = await startAnvil({ blockTimeSec: 1 });
    builder = await startTestBuilder({ upstreamUrl: anvil.url });
    [preconf, metrics, flash] = await Promise.all([connect(builder.preconfWsUrl), connect(builder.blockMetricsWsUrl), connect(builder.flashblocksWsUrl)]);
  });

  afterAll(async () => {
    for (const client of clients) client.socket.terminate();
    await builder?.close();
    await anvil?.stop();
  });

  it("forwards JSON-RPC byte for byte, single calls and batches, errors included", async () => {
    const bodies = [
      { jsonrpc: "2.0", id: 1, method: "eth_chainId" },
      [{ jsonrpc: "2.0", id: "a", method: "eth_getBlockByNumber", params: ["0x0", false] }, { jsonrpc: "2.0", id: 2, method: "no_suchMethod" }, { jsonrpc: "2.0", id: 3, method: "eth_sendRawTransaction", params: ["0x02"] }],
    ];
    for (const body of bodies) {
      const post = async (url: string) => Buffer.from(await (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).arrayBuffer());
      expect((await post(builder.rpcUrl)).equals(await post(anvil.url))).toBe(true);
    }
    expect(builder.stats().rpc.acceptedTxs).toBe(0); // the malformed send was refused by anvil: not tracked
  });

  it("GET /status answers with live figures", async () => {
    const status = await getJson(`${builder.rpcUrl}/status`);
    const latest = await jsonRpc<{ gasLimit: Hex }>(anvil.url, "eth_getBlockByNumber", ["latest", false]);
    expect(status).toEqual({
      pendingTxCount: 0,
      maxTxsPerBlock: Math.floor(Number(latest.gasLimit) / 21_000),
      blockTimeMs: 1000,
      gasLimit: Number(latest.gasLimit),
      txOrdering: "fifo",
      enablePreconfirmations: true,
      version: "test-builder/1",
    });
  });

  it("a batch of transfers walks every feed as anvil mines it", async () => {
    const preconfFrom = preconf.messages.length;
    await freshBlock();
    const hashes = await sendBatch(await signTransfers(6));
    expect((await getJson(`${builder.rpcUrl}/status`)).pendingTxCount).toBe(6);
    await confirmed(hashes);
    expect((await getJson(`${builder.rpcUrl}/status`)).pendingTxCount).toBe(0);

    const blocks = new Map<number, { hash: Hex; gasUsed: Hex; gasLimit: Hex; transactions: Hex[] }>();
    for (const hash of hashes) {
      const r = await receipt(hash);
      const mined = events(preconf).filter((e) => e.txHash === hash);
      expect(mined.map((e) => e.status)).toEqual(["pending", "preconfirmed", "confirmed"]);
      const [pending, preconfirmed, done] = mined;
      expect(preconfirmed.timestamp - pending.timestamp).toBeGreaterThanOrEqual(19);
      expect(preconfirmed.timestamp).toBeLessThan(done.timestamp);
      expect(preconfirmed.blockNumber).toBe(Number(r.blockNumber)); // the promise kept
      expect({ blockNumber: done.blockNumber, position: done.position }).toEqual({ blockNumber: Number(r.blockNumber), position: Number(r.transactionIndex) });
      blocks.set(Number(r.blockNumber), await jsonRpc(anvil.url, "eth_getBlockByNumber", [r.blockNumber, false]));
    }

    // Both message shapes carried this batch's events; batch seqNums have no gap so far.
    const mine = preconf.messages.slice(preconfFrom).filter((m) => ("events" in m ? m.events : [m]).some((e: PreconfEvent) => hashes.includes(e.txHash)));
    expect(mine.some((m) => m.type === "preconfirmations" && Number.isInteger(m.seqNum))).toBe(true);
    expect(mine.some((m) => m.type === undefined && typeof m.txHash === "string")).toBe(true);
    const seqNums = preconf.messages.filter((m) => m.type === "preconfirmations").map((m) => m.seqNum);
    expect(seqNums.slice(1).map((s, i) => s - seqNums[i]).every((d) => d === 1)).toBe(true);

    // Block metrics: one per block, no number skipped, figures as anvil's block says.
    const numbers = metrics.messages.map((m: BlockMetrics) => m.blockNumber);
    expect(numbers.slice(1).every((n, i) => n === numbers[i] + 1)).toBe(true);
    for (const [n, block] of blocks) {
      const m = metrics.messages.find((x: BlockMetrics) => x.blockNumber === n) as BlockMetrics;
      expect(m).toMatchObject({ blockHash: block.hash, gasUsed: Number(block.gasUsed), gasLimit: Number(block.gasLimit), txCount: block.transactions.length });
      expect(m.fillRate).toBeCloseTo(Number(block.gasUsed) / Number(block.gasLimit), 12);
      expect(m.buildTimeMs).toBeGreaterThan(0);
    }

    // Flashblocks: each tx exactly once, under the block that holds it, with its receipt.
    const fbs = flash.messages as Flashblock[];
    for (const hash of hashes) {
      const carrying = fbs.filter((fb) => fb.diff.transactions.map((raw) => keccak256(raw)).includes(hash));
      expect(carrying).toHaveLength(1);
      expect(carrying[0].metadata.block_number).toBe(Number((await receipt(hash)).blockNumber));
    }
    for (const fb of fbs) {
      expect(Object.keys(fb.metadata.receipts).sort()).toEqual(fb.diff.transactions.map((raw) => keccak256(raw)).sort());
      expect(fb.base !== undefined).toBe(fb.index === 0);
      if (fb.base) expect(fb.base.block_number).toBe(toHex(fb.metadata.block_number));
    }
    const byPayload = new Map<string, Flashblock[]>();
    for (const fb of fbs) byPayload.set(fb.payload_id, [...(byPayload.get(fb.payload_id) ?? []), fb]);
    for (const payload of byPayload.values()) {
      expect(payload.map((fb) => fb.index)).toEqual(payload.map((_, i) => i + (payload[0].index === 0 ? 0 : payload[0].index)));
      expect(new Set(payload.map((fb) => fb.metadata.block_number)).size).toBe(1);
    }
    expect(new Set(fbs.map((fb) => fb.metadata.block_number)).size).toBe(byPayload.size); // a new payload_id per block
  });

  it("brotli frames decode to the same JSON as text frames", async () => {
    const pinned = await connect(`${builder.flashblocksWsUrl}?encoding=text`);
    expect((await control({ flashblockFrames: "brotli" })).body.settings.flashblockFrames).toBe("brotli");
    const hashes = await sendAndConfirm(2);
    await control({ flashblockFrames: "text" });
    const switchedBack = flash.frames.length;
    // Frames keep their order on a socket: once a text frame follows, every brotli one is in.
    await until("a text frame after switching back", () => flash.frames.slice(switchedBack).some((f) => !f.binary));

    const key = (text: string) => `${JSON.parse(text).payload_id}/${JSON.parse(text).index}`;
    const first = flash.frames.findIndex((f) => f.binary);
    const last = flash.frames.findLastIndex((f) => f.binary);
    const binary = flash.frames.slice(first, last + 1);
    expect(binary.every((f) => f.binary)).toBe(true); // one unbroken run, from switch to switch
    expect(binary.length).toBe(builder.stats().flashblocks.frames.brotli);
    expect(pinned.frames.every((f) => !f.binary)).toBe(true);
    const textOf = new Map(pinned.frames.map((f) => [key(f.text), f.text]));
    const compared = binary.filter((f) => textOf.has(key(f.text)));
    expect(compared.length).toBeGreaterThan(0);
    for (const f of compared) expect(f.text).toBe(textOf.get(key(f.text)));
    const carried = binary.flatMap((f) => (JSON.parse(f.text) as Flashblock).diff.transactions.map((raw) => keccak256(raw)));
    expect(hashes.every((h) => carried.includes(h))).toBe(true);
  });

  it("revokeNext, dropNext and requeueNext raise exactly n such events, and anvil still mines every tx", async () => {
    expect((await control({ revokeNxt: 1 })).status).toBe(400);
    const armed = await control({ revokeNext: 2, dropNext: 1, requeueNext: 1 });
    expect(armed.body.settings).toMatchObject({ revokeNext: 2, dropNext: 1, requeueNext: 1, shape: "alternate" });
    const before = builder.stats().preconf.events;
    const hashes = await sendAndConfirm(6);

    // Faults are spent in arrival order: drop first, then requeue, and revoke on the preconfirmed.
    expect(hashes.map((h) => statuses(preconf, h))).toEqual([
      ["pending", "dropped", "confirmed"],
      ["pending", "requeued", "preconfirmed", "revoked", "confirmed"],
      ["pending", "preconfirmed", "revoked", "confirmed"],
      ["pending", "preconfirmed", "confirmed"],
      ["pending", "preconfirmed", "confirmed"],
      ["pending", "preconfirmed", "confirmed"],
    ]);
    for (const hash of hashes) expect((await receipt(hash)).blockNumber).toMatch(/^0x/);
    const after = builder.stats().preconf.events;
    expect({ revoked: after.revoked - before.revoked, dropped: after.dropped - before.dropped, requeued: after.requeued - before.requeued }).toEqual({ revoked: 2, dropped: 1, requeued: 1 });
    expect((await getJson(builder.controlUrl)).settings).toMatchObject({ revokeNext: 0, dropNext: 0, requeueNext: 0 });
  });

  it("seqGap skips exactly n seqNums once; shape picks the message form", async () => {
    await control({ shape: "batch", seqGap: 5 });
    const from = preconf.messages.length;
    await sendAndConfirm(2);
    expect(preconf.messages.slice(from).every((m) => m.type === "preconfirmations")).toBe(true);
    const seqNums = preconf.messages.filter((m) => m.type === "preconfirmations").map((m) => m.seqNum as number);
    const steps = seqNums.slice(1).map((s, i) => s - seqNums[i]);
    expect(steps.filter((d) => d !== 1)).toEqual([6]);
    expect(builder.stats().preconf).toMatchObject({ seqGapsInjected: 1, seqNumsSkipped: 5, lastSeqNum: seqNums.at(-1) });

    await control({ shape: "single" });
    const singleFrom = preconf.messages.length;
    await sendAndConfirm(1);
    expect(preconf.messages.slice(singleFrom).length).toBeGreaterThanOrEqual(3);
    expect(preconf.messages.slice(singleFrom).every((m) => m.type === undefined && typeof m.status === "string")).toBe(true);
    await control({ shape: "alternate" });
  });

  it("a tx no interval showed appears once, in a last flashblock with the mined block's hash", async () => {
    // No interval flashblock in this builder's lifetime: only the seal can show the txs.
    const sealOnly = await startTestBuilder({ upstreamUrl: anvil.url, flashblockIntervalMs: 60_000 });
    try {
      const frames = await connect(sealOnly.flashblocksWsUrl);
      const mainFrom = flash.messages.length;
      await freshBlock();
      const raws = await signTransfers(2);
      const calls = raws.map((raw, id) => ({ jsonrpc: "2.0", id, method: "eth_sendRawTransaction", params: [raw] }));
      await fetch(sealOnly.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(calls) });
      await until("the sealing flashblock", () => frames.messages.length > 0);
      const [fb] = frames.messages as Flashblock[];
      const r = await receipt(keccak256(raws[0]));
      const block = await jsonRpc<{ hash: Hex }>(anvil.url, "eth_getBlockByNumber", [r.blockNumber, false]);
      expect(fb).toMatchObject({ index: 0, metadata: { block_number: Number(r.blockNumber) }, diff: { block_hash: block.hash, transactions: raws } });
      expect(fb.base?.block_number).toBe(r.blockNumber);
      // The suite's builder did not forward these: its flashblocks leave them out.
      await freshBlock();
      expect(flash.messages.slice(mainFrom).some((m: Flashblock) => m.diff.transactions.some((raw) => raws.includes(raw)))).toBe(false);
    } finally {
      await sealOnly.close();
    }
  });

  it("disconnect cuts exactly the named feed's sockets, refuseMs refuses upgrades, and new connections then work", async () => {
    const extra = await connect(builder.preconfWsUrl);
    await control({ disconnect: "preconf" });
    expect(await extra.closed).toBe(1006);
    expect(await preconf.closed).toBe(1006);
    await freshBlock(); // the block-metrics client survived
    expect(flash.socket.readyState).toBe(WebSocket.OPEN);

    const open = builder.stats().clients;
    const cutBefore = builder.stats().disconnects;
    await control({ disconnect: "all", refuseMs: 400 });
    expect(await Promise.all([metrics.closed, flash.closed])).toEqual([1006, 1006]);
    const cut = builder.stats().disconnects;
    expect({ "block-metrics": cut["block-metrics"] - cutBefore["block-metrics"], flashblocks: cut.flashblocks - cutBefore.flashblocks }).toEqual({ "block-metrics": open["block-metrics"], flashblocks: open.flashblocks });

    const refused = new WebSocket(builder.preconfWsUrl);
    refused.on("error", () => {});
    const status = await new Promise<number>((resolve) =>
      refused
        .once("unexpected-response", (req, res) => {
          req.destroy();
          resolve(res.statusCode ?? 0);
        })
        .once("open", () => resolve(101)),
    );
    expect(status).toBe(503);
    expect(builder.stats().refusedUpgrades).toBe(1);
    await new Promise((r) => setTimeout(r, 450));

    [preconf, metrics, flash] = await Promise.all([connect(builder.preconfWsUrl), connect(builder.blockMetricsWsUrl), connect(builder.flashblocksWsUrl)]);
    const hashes = await sendAndConfirm(1);
    expect(statuses(preconf, hashes[0])).toEqual(["pending", "preconfirmed", "confirmed"]);
    expect(flash.messages.some((fb: Flashblock) => fb.diff.transactions.some((raw) => keccak256(raw) === hashes[0]))).toBe(true);
    expect(builder.stats().clients).toEqual({ preconf: 1, "block-metrics": 1, flashblocks: 1 });
  });

  it("GET /control/stats mirrors stats(); POST /control/reset restores the defaults and zeroes the counts", async () => {
    await control({ shape: "batch", revokeNext: 3 });
    const viaHttp = await getJson(`${builder.controlUrl}/stats`);
    expect(viaHttp.rpc.acceptedTxs).toBeGreaterThan(0);
    expect(viaHttp.rpc.acceptedTxs).toBe(builder.stats().rpc.acceptedTxs);
    expect(viaHttp.preconf.events.confirmed).toBe(viaHttp.rpc.acceptedTxs);
    const reset = (await (await fetch(`${builder.controlUrl}/reset`, { method: "POST" })).json()) as any;
    expect(reset.settings).toEqual({ revokeNext: 0, dropNext: 0, requeueNext: 0, seqGap: 0, shape: "alternate", flashblockFrames: "text", preconfDelayMs: 20, blockMetricsDelayMs: 0 });
    expect(builder.stats()).toMatchObject({ rpc: { acceptedTxs: 0, requests: 0 }, preconf: { batchMessages: 0 }, clients: { preconf: 1, "block-metrics": 1, flashblocks: 1 } });
  });

  it("keeps answering when anvil goes away, and closes cleanly", async () => {
    const gone = await startAnvil({ blockTimeSec: 1 });
    const lonely = await startTestBuilder({ upstreamUrl: gone.url, blockPollMs: 20 });
    const watcher = new WebSocket(lonely.blockMetricsWsUrl);
    const closed = new Promise((r) => watcher.once("close", r));
    await new Promise((r) => watcher.once("open", r));
    await gone.stop();
    await until("polls fail", () => lonely.stats().pollErrors > 0, 3_000);
    const rpc = await fetch(lonely.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }) });
    expect(rpc.status).toBe(502);
    expect(lonely.stats().rpc.upstreamErrors).toBe(1);
    expect((await getJson(`${lonely.rpcUrl}/status`)).version).toBe("test-builder/1");
    await lonely.close();
    await closed;
    await expect(fetch(`${lonely.rpcUrl}/status`)).rejects.toThrow();
  });
});
