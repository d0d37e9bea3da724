/**
 * The outbound feed socket: its backoff rule, and the socket itself inside workerd (in a test and
 * in a Durable Object) against a real WebSocket server, the stand-in builder of
 * test/support/feed-server.ts: text and binary frames, reconnects with backoff, refused and hung
 * upgrades, close() for good, and a callback that throws.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeFlashblockFrame } from "../../src/feeds/flashblocks";
import { emptyFeedFigures, feedFiguresView, recordPreconfMessage, recordReconnect } from "../../src/feeds/feed-figures";
import { DEFAULT_FEED_BACKOFF, nextBackoffMs, openFeedSocket, upgradeUrl, type FeedSocket, type FeedSocketOptions } from "../../src/feeds/feed-socket";
import { parsePreconfMessage } from "../../src/feeds/preconf-messages";
import type { ConnectionScript } from "../support/feed-server";

describe("nextBackoffMs", () => {
  it("doubles from the base to the cap, keeping half of each wait fixed and half random", () => {
    const { baseDelayMs, maxDelayMs } = DEFAULT_FEED_BACKOFF;
    expect(nextBackoffMs(1, () => 0)).toBe(baseDelayMs / 2);
    expect(nextBackoffMs(1, () => 1)).toBe(baseDelayMs);
    expect(nextBackoffMs(3, () => 0.5)).toBe(baseDelayMs * 4 * 0.75);
    expect(nextBackoffMs(30, () => 0)).toBe(maxDelayMs / 2);
    expect(nextBackoffMs(30, () => 1)).toBe(maxDelayMs);
    // Attempt 0 (no failure yet) waits like the first.
    expect(nextBackoffMs(0, () => 0)).toBe(baseDelayMs / 2);
  });

  it("grows with the attempt whatever the draw, within the policy's bounds", () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 3_000 };
    let previousCeiling = 0;
    for (let attempt = 1; attempt <= 12; attempt++) {
      const low = nextBackoffMs(attempt, () => 0, policy);
      const high = nextBackoffMs(attempt, () => 0.999999, policy);
      expect(low).toBeGreaterThanOrEqual(50);
      expect(high).toBeLessThanOrEqual(3_000);
      expect(high).toBeGreaterThanOrEqual(previousCeiling * 0.99);
      previousCeiling = high;
    }
  });
});

describe("upgradeUrl", () => {
  it("turns ws: into http: and wss: into https:, keeping the rest", () => {
    expect(upgradeUrl("ws://h:1/ws/preconfirmations?token=t").href).toBe("http://h:1/ws/preconfirmations?token=t");
    expect(upgradeUrl("wss://h/ws").href).toBe("https://h/ws");
    expect(upgradeUrl("https://h/ws").href).toBe("https://h/ws");
  });
});

const server = () => env.TEST_FEED_SERVER_URL;
const wsUrl = (name: string) => `${server().replace("http://", "ws://")}/ws/${name}`;
const control = (path: string, init?: RequestInit) => fetch(`${server()}/control${path}`, init);
const script = (name: string, connections: ConnectionScript[]) => control(`/script/${name}`, { method: "PUT", body: JSON.stringify({ connections }) });
const connections = async (name: string) => (await (await control(`/connections/${name}`)).json()) as { upgrades: number; refused: number; lastAuthorization: string | null; lastQuery: string };

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const FAST = { backoff: { baseDelayMs: 40, maxDelayMs: 160 }, random: () => 0 } satisfies Partial<FeedSocketOptions>;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const preconfBatch = (seqNum: number, n: number) => ({ json: { type: "preconfirmed", blockNumber: 7, seqNum, timestamp: 1, events: [{ txHash: hash(n) }] } });

describe("FeedSocket against a real WebSocket server", () => {
  let open: FeedSocket[] = [];
  const track = (socket: FeedSocket) => (open.push(socket), socket);

  beforeEach(async () => {
    await control("/reset", { method: "POST" });
  });
  afterEach(() => {
    for (const socket of open) socket.close();
    open = [];
  });

  it("hands over text frames as strings and binary frames as ArrayBuffers (a Node-Brotli flashblock decodes), sending the URL's credentials and query", async () => {
    const flashblock = { payload_id: "0x0a", index: 2, diff: { transactions: [] }, metadata: { block_number: 99, receipts: { [hash(5)]: {} } } };
    await script("hello", [{ frames: [{ text: "first" }, { brotliJson: flashblock }, { binaryText: "plain" }], then: "stay" }]);
    const got: Array<string | ArrayBuffer> = [];
    const at: number[] = [];
    const url = new URL(wsUrl("hello"));
    url.username = "loadgen";
    url.password = "pw-secret";
    url.search = "?token=tok-1";
    const started = Date.now();
    const socket = track(openFeedSocket(url.href, { onMessage: (data, receivedAt) => (got.push(data), at.push(receivedAt)) }));
    // Opening never waits for the connection.
    expect(Date.now() - started).toBeLessThan(50);
    expect(socket.stats().state).toBe("connecting");
    await waitFor(() => got.length === 3);
    expect(got[0]).toBe("first");
    expect(got[1]).toBeInstanceOf(ArrayBuffer);
    expect(decodeFlashblockFrame(got[1] as ArrayBuffer)).toEqual({ ok: true, compressed: true, flashblock: { payloadId: "0x0a", index: 2, blockNumber: 99, hashes: [hash(5)], hashesFrom: "receipts" } });
    expect(new TextDecoder().decode(got[2] as ArrayBuffer)).toBe("plain");
    for (const t of at) expect(t).toBeGreaterThanOrEqual(started);
    expect(socket.stats()).toMatchObject({ state: "open", opens: 1, reconnects: 0, failedAttempts: 0, drops: 0, messages: 3, handlerErrors: 0, lastError: null });
    expect(await connections("hello")).toMatchObject({ upgrades: 1, lastAuthorization: `Basic ${btoa("loadgen:pw-secret")}`, lastQuery: "?token=tok-1" });
  });

  it("reconnects after the server cuts or closes the connection; the figures see the reconnects and the frames lost while away", async () => {
    await script("flaky", [
      { frames: [preconfBatch(1, 1)], then: "terminate" },
      { frames: [preconfBatch(5, 2)], then: "close" },
      { frames: [preconfBatch(6, 3)], then: "stay" },
    ]);
    const figures = emptyFeedFigures();
    const reopened: boolean[] = [];
    const socket = track(
      openFeedSocket(wsUrl("flaky"), {
        ...FAST,
        onOpen: (reconnect) => {
          reopened.push(reconnect);
          if (reconnect) recordReconnect(figures, "preconf");
        },
        onMessage: (data, receivedAt) => recordPreconfMessage(figures, parsePreconfMessage(data, receivedAt)),
      }),
    );
    await waitFor(() => socket.stats().messages === 3);
    expect(reopened).toEqual([false, true, true]);
    expect(socket.stats()).toMatchObject({ state: "open", opens: 3, reconnects: 2, drops: 2, failedAttempts: 0 });
    expect(socket.stats().lastError).toMatch(/closed by the server \(1001 script done\)/);
    expect(feedFiguresView(figures).preconf).toMatchObject({ messages: 3, reconnects: 2, events: { preconfirmed: 3 }, lostEvents: 3, seqResets: 0 });
  });

  it("retries an upgrade the server refuses or never answers, with backoff, then connects", async () => {
    await script("refusing", [{ refuse: true }, { refuse: true }, { frames: [{ text: "at last" }], then: "stay" }]);
    const refused = track(openFeedSocket(wsUrl("refusing"), { ...FAST, onMessage: () => {} }));
    await waitFor(() => refused.stats().messages === 1);
    expect(refused.stats()).toMatchObject({ opens: 1, reconnects: 0, failedAttempts: 2, lastError: "HTTP 503 without a WebSocket upgrade" });

    await script("hanging", [{ hang: true }, { frames: [{ text: "late" }], then: "stay" }]);
    const hung = track(openFeedSocket(wsUrl("hanging"), { ...FAST, connectTimeoutMs: 200, onMessage: () => {} }));
    await waitFor(() => hung.stats().messages === 1);
    expect(hung.stats()).toMatchObject({ failedAttempts: 1, lastError: "no upgrade within 200 ms" });
  });

  it("backs off against a closed port, never naming the URL's credentials or query, and close() stops it for good", async () => {
    const socket = track(openFeedSocket("ws://loadgen:pw-secret@127.0.0.1:9/ws?token=tok-2", { backoff: { baseDelayMs: 50, maxDelayMs: 400 }, random: () => 0, onMessage: () => {} }));
    await new Promise((r) => setTimeout(r, 1_000));
    const stats = socket.stats();
    // Waits of 25, 50, 100, 200, 200, ... ms: a handful of attempts in a second, not hundreds.
    expect(stats.failedAttempts).toBeGreaterThanOrEqual(3);
    expect(stats.failedAttempts).toBeLessThanOrEqual(9);
    expect(stats.state).toBe("waiting");
    expect(stats.lastError).toMatch(/^connect failed/);
    expect(stats.lastError).not.toMatch(/pw-secret|tok-2/);
    socket.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(socket.stats()).toMatchObject({ state: "closed", failedAttempts: stats.failedAttempts });
  });

  it("close() ends an open connection and makes no other, even closed while connecting", async () => {
    await script("quiet", [{ frames: [{ text: "one" }], then: "stay" }]);
    const socket = track(openFeedSocket(wsUrl("quiet"), { ...FAST, onMessage: () => {} }));
    await waitFor(() => socket.stats().messages === 1);
    socket.close();
    const early = track(openFeedSocket(wsUrl("quiet"), { ...FAST, onMessage: () => {} }));
    early.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(socket.stats()).toMatchObject({ state: "closed", opens: 1, drops: 0 });
    expect(early.stats()).toMatchObject({ state: "closed", opens: 0, messages: 0 });
    expect((await connections("quiet")).upgrades).toBeLessThanOrEqual(2);
  });

  it("counts a callback that throws, and goes on delivering", async () => {
    await script("throwing", [{ frames: [{ text: "a" }, { text: "b" }, { text: "c" }], then: "stay" }]);
    const seen: string[] = [];
    const socket = track(
      openFeedSocket(wsUrl("throwing"), {
        onMessage: (data) => {
          seen.push(data as string);
          if (data === "b") throw new Error("the tracker choked");
        },
      }),
    );
    await waitFor(() => seen.length === 3);
    expect(socket.stats()).toMatchObject({ state: "open", messages: 3, handlerErrors: 1, drops: 0 });
  });

  it("works inside a Durable Object, outliving the call that opened it", async () => {
    await script("in-object", [{ frames: [{ text: "x" }], then: "terminate" }, { frames: [{ text: "y" }], then: "stay" }]);
    const stub = env.LIVE_FEED.get(env.LIVE_FEED.idFromName("feeds-socket-test"));
    const got: string[] = [];
    const socket = await runInDurableObject(stub, () => openFeedSocket(wsUrl("in-object"), { ...FAST, onMessage: (data) => got.push(data as string) }));
    track(socket);
    await waitFor(() => got.length === 2);
    expect(got).toEqual(["x", "y"]);
    expect(socket.stats()).toMatchObject({ opens: 2, reconnects: 1 });
  });
});
