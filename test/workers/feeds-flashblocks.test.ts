/**
 * Flashblock frames (op-rbuilder's format), text and Brotli binary, decoded inside workerd; the
 * first-sighting tracker; and the index distribution in the feed figures.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { brotliCompressSync, brotliDecompressSync } from "node:zlib";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { jsonRpc } from "../../scripts/lib/json-rpc";
import { FirstSightings, MAX_FLASHBLOCK_BYTES, decodeFlashblockFrame, type Flashblock } from "../../src/feeds/flashblocks";
import { emptyFeedFigures, feedFiguresView, recordFirstSightings, recordFlashblockMessage } from "../../src/feeds/feed-figures";
import { OTHER_CHAIN_ID } from "../support/global-anvil";

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
const bytesOf = (text: string) => new TextEncoder().encode(text);

/**
 * A flashblock with receipts, Brotli-compressed by Node's zlib (`brotliCompressSync`, default
 * quality) outside workerd: the same bytes a Base websocket proxy would send. Its JSON is 974 bytes.
 */
const NODE_BROTLI_BASE64 =
  "G80DoJwHto1q/QSLxWT8YIQUmFvqyzfLAoREsl1MkqWrL3TsaFHq8oUxcMRPkf1bn+9UD2AsYmGK537GtDkpz9co0HkHF7AExRovrLopSAXBHfnGWK1p42t7YwjP0K+xTADlgI26PPb3z7yJV0sgYgtFQMAGN+gYrD68aCr6AlmasnZY81YnAF8wt0gOFur61zoPZxZNGvvTxwoCZwNzmRm4OorQM7iRckgnOuN5yrYnDhXIkJRZhhsJNagm/EGTUBmoCaVpTSZPhAGLxtBxIrkQn/Yv8FZu8R2rC+XRWbx4edPPYRDVDpAT9IOihQPoKBIcfRJv8hvadAnldw533daGng+6dKdIbUpfdNRvU27XZ4dlfiTl+LkqAUMX8fz0BnyloM4664QvEK/t2oSdLX2F8zuJ3GpjJE2fcxH7/ZRjon0wFM6jHNSIPqM4nQA=";

const fromBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

function flashblock(fields: { index: number; blockNumber?: number | string; hexBase?: string; transactions?: string[]; receipts?: Record<string, unknown> | null }) {
  return {
    payload_id: "0x0102030405060708",
    index: fields.index,
    ...(fields.hexBase ? { base: { parent_hash: hash(0), block_number: fields.hexBase, gas_limit: "0x1c9c380" } } : {}),
    diff: { state_root: hash(1), block_hash: hash(2), gas_used: "0x5208", transactions: fields.transactions ?? [], withdrawals: [] },
    metadata: {
      ...(fields.blockNumber === undefined ? {} : { block_number: fields.blockNumber }),
      new_account_balances: {},
      ...(fields.receipts === null ? {} : { receipts: fields.receipts ?? {} }),
    },
  };
}

describe("Brotli inside workerd", () => {
  it("node:zlib brotliDecompressSync works under nodejs_compat and opens a frame Node compressed", () => {
    const text = new TextDecoder().decode(brotliDecompressSync(fromBase64(NODE_BROTLI_BASE64)));
    expect(text).toHaveLength(974);
    expect(JSON.parse(text)).toMatchObject({ payload_id: "0x03a1b2c3d4e5f60718", index: 0, metadata: { block_number: 436 } });
  });

  it("DecompressionStream is no alternative here: workerd's takes gzip and deflate only", () => {
    expect(() => new DecompressionStream("brotli" as "gzip")).toThrow(/gzip|deflate/);
  });
});

describe("decodeFlashblockFrame", () => {
  it("decodes the Node-compressed binary frame: hashes from the receipts' keys, lower-cased", () => {
    expect(decodeFlashblockFrame(fromBase64(NODE_BROTLI_BASE64).buffer as ArrayBuffer)).toEqual({
      ok: true,
      compressed: true,
      flashblock: {
        payloadId: "0x03a1b2c3d4e5f60718",
        index: 0,
        blockNumber: 436,
        hashes: ["0xab12000000000000000000000000000000000000000000000000000000000001", "0xab12000000000000000000000000000000000000000000000000000000000002"],
        hashesFrom: "receipts",
      },
    });
  });

  it("decodes a text frame, and a binary frame of plain JSON", () => {
    const fb = flashblock({ index: 3, blockNumber: "0x1c", receipts: { [hash(7)]: { Eip1559: {} } } });
    const text = decodeFlashblockFrame(JSON.stringify(fb));
    expect(text).toEqual({ ok: true, compressed: false, flashblock: { payloadId: "0x0102030405060708", index: 3, blockNumber: 28, hashes: [hash(7)], hashesFrom: "receipts" } });
    expect(decodeFlashblockFrame(bytesOf(JSON.stringify(fb)))).toEqual(text);
    // Compressed inside workerd too, as a view on a larger buffer.
    const packed = brotliCompressSync(bytesOf(JSON.stringify(fb)));
    const view = new Uint8Array(packed.length + 8);
    view.set(packed, 4);
    expect(decodeFlashblockFrame(view.subarray(4, 4 + packed.length))).toEqual({ ...text, compressed: true });
  });

  it("without receipts, hashes the raw transactions: the hashes a real node gives them", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    // The idle second anvil: its pool takes the transactions and mines nothing the other suites see.
    const node = env.TEST_OTHER_CHAIN_URL;
    await jsonRpc(node, "anvil_setBalance", [account.address, "0xde0b6b3a7640000"]);
    const fees = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
    const raw = [
      await account.signTransaction({ chainId: OTHER_CHAIN_ID, nonce: 0, to: account.address, value: 1n, gas: 21_000n, ...fees }),
      await account.signTransaction({ chainId: OTHER_CHAIN_ID, nonce: 1, to: account.address, value: 2n, gas: 21_000n, type: "legacy", gasPrice: 10_000_000_000n }),
    ];
    const fromNode: string[] = [];
    for (const tx of raw) fromNode.push(await jsonRpc<string>(node, "eth_sendRawTransaction", [tx]));
    const decoded = decodeFlashblockFrame(JSON.stringify(flashblock({ index: 1, blockNumber: 9, transactions: [...raw, "0xzz", 42 as never], receipts: null })));
    expect(decoded).toMatchObject({ ok: true, flashblock: { hashes: fromNode, hashesFrom: "transactions" } });
    // Receipts present but empty: the transactions still say it.
    expect(decodeFlashblockFrame(JSON.stringify(flashblock({ index: 1, transactions: raw, receipts: {} })))).toMatchObject({ ok: true, flashblock: { hashes: fromNode, blockNumber: null } });
  });

  it("takes the block number from metadata, else from base (hex), else null", () => {
    const block = (fb: object) => {
      const m = decodeFlashblockFrame(JSON.stringify(fb));
      return m.ok ? m.flashblock.blockNumber : "invalid";
    };
    expect(block(flashblock({ index: 0, blockNumber: 12, hexBase: "0xff" }))).toBe(12);
    expect(block(flashblock({ index: 0, hexBase: "0xff" }))).toBe(255);
    expect(block(flashblock({ index: 2 }))).toBeNull();
  });

  it.each([
    ["not JSON", "{", "not JSON"],
    ["no payload_id", JSON.stringify({ index: 0, diff: {} }), "payload_id missing"],
    ["no index", JSON.stringify({ payload_id: "0x01", diff: {} }), "index missing or not a number"],
    ["no diff", JSON.stringify({ payload_id: "0x01", index: 0 }), "diff missing"],
    ["an array", "[]", "not an object"],
  ])("refuses %s", (_name, text, reason) => {
    expect(decodeFlashblockFrame(text)).toEqual({ ok: false, reason });
  });

  it("refuses binary that is neither Brotli nor JSON, and a Brotli bomb past the size bound, without throwing", () => {
    expect(decodeFlashblockFrame(new Uint8Array([1, 2, 3, 4, 5]))).toEqual({ ok: false, reason: "binary frame is neither Brotli (within the size bound) nor JSON" });
    const bomb = brotliCompressSync(new Uint8Array(MAX_FLASHBLOCK_BYTES + 1024).fill(0x20));
    expect(bomb.length).toBeLessThan(10_000);
    expect(decodeFlashblockFrame(bomb)).toEqual({ ok: false, reason: "binary frame is neither Brotli (within the size bound) nor JSON" });
  });
});

describe("FirstSightings", () => {
  const fb = (index: number, blockNumber: number | null, ...hashes: number[]): Flashblock => ({ payloadId: "0x01", index, blockNumber, hashes: hashes.map(hash), hashesFrom: "receipts" });

  it("reports a hash the first time only, with the flashblock index and the receive time", () => {
    const seen = new FirstSightings();
    expect(seen.observe(fb(0, 100, 1, 2), 1_000)).toEqual([
      { hash: hash(1), index: 0, blockNumber: 100, at: 1_000 },
      { hash: hash(2), index: 0, blockNumber: 100, at: 1_000 },
    ]);
    expect(seen.observe(fb(1, 100, 2, 3), 1_200)).toEqual([{ hash: hash(3), index: 1, blockNumber: 100, at: 1_200 }]);
    expect(seen.observe(fb(0, 101, 1, 3), 2_000)).toEqual([]);
  });

  it("forgets the hashes of blocks more than N behind the newest: memory bounded by blocks, not transactions", () => {
    const seen = new FirstSightings(4);
    for (let block = 1; block <= 1_000; block++) seen.observe(fb(0, block, block * 10, block * 10 + 1), block);
    expect(seen.size).toBe(8);
    // Block 997 is still remembered; block 996's hashes are forgotten and count again.
    expect(seen.observe(fb(5, 1_000, 9_970), 5)).toEqual([]);
    expect(seen.observe(fb(5, 1_000, 9_960), 5)).toHaveLength(1);
  });

  it("takes a flashblock that names no block as part of the newest block seen", () => {
    const seen = new FirstSightings(2);
    seen.observe(fb(0, 50, 1), 1);
    seen.observe(fb(1, null, 2), 2);
    seen.observe(fb(0, 51, 3), 3);
    seen.observe(fb(0, 52, 4), 4);
    // Hash 2 went with block 50, forgotten once block 52 came.
    expect(seen.observe(fb(0, 52, 2), 5)).toHaveLength(1);
  });
});

describe("the flashblock figures", () => {
  it("count frames, compressed ones, invalid ones, first sightings per index (deep indices pooled), and the last block", () => {
    const f = emptyFeedFigures();
    const seen = new FirstSightings();
    const frames = [
      fromBase64(NODE_BROTLI_BASE64),
      JSON.stringify(flashblock({ index: 1, blockNumber: 436, receipts: { [hash(1)]: {}, [hash(2)]: {} } })),
      JSON.stringify(flashblock({ index: 2, blockNumber: 436, receipts: { [hash(2)]: {}, [hash(3)]: {} } })),
      JSON.stringify(flashblock({ index: 70, blockNumber: 437, receipts: { [hash(4)]: {} } })),
      JSON.stringify(flashblock({ index: 99, blockNumber: 435, receipts: { [hash(5)]: {} } })),
      "garbage",
    ];
    for (const frame of frames) {
      const m = decodeFlashblockFrame(frame);
      recordFlashblockMessage(f, m);
      if (m.ok) recordFirstSightings(f, seen.observe(m.flashblock, 1));
    }
    expect(feedFiguresView(f).flashblocks).toEqual({
      messages: 6,
      invalidMessages: 1,
      reconnects: 0,
      compressedFrames: 1,
      firstSightings: 7,
      byIndex: { "0": 2, "1": 2, "2": 1, "64+": 2 },
      lastBlock: 437,
    });
  });
});
