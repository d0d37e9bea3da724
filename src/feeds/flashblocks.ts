/**
 * The flashblocks feed (PRODUCT.md §8, `FLASHBLOCKS_WS_URL`, op-rbuilder's format): each frame is
 * one flashblock, a slice of the block being built, sent every ~200 ms. The first flashblock a
 * transaction appears in is its flashblock preconfirmation.
 *
 * Frames are text JSON (op-rbuilder itself) or binary Brotli-compressed JSON (Base's websocket
 * proxy). Brotli is `node:zlib`'s `brotliDecompressSync`, which workerd provides under
 * `nodejs_compat` (test/workers/feeds-flashblocks.test.ts proves it there); workerd's
 * `DecompressionStream` takes only gzip and deflate.
 */
import { brotliDecompressSync } from "node:zlib";
import { transactionHash } from "../tx/keccak";
import type { FirstSighting, Flashblock, FlashblockMessage } from "./flashblock-types";
import { frameText, hash32, isRecord, parseJson, quantity, type FrameData } from "./frame-json";

/** A decompressed frame larger than this is refused: a block's worth of transactions is a few MB. */
export const MAX_FLASHBLOCK_BYTES = 32 * 1024 * 1024;

export type { FirstSighting, Flashblock, FlashblockMessage } from "./flashblock-types";

/** Binary frames are Brotli; one that does not decompress is tried as plain UTF-8 JSON. */
function frameJson(data: FrameData): { text: string; compressed: boolean } | { reason: string } {
  if (typeof data === "string") return { text: data, compressed: false };
  // A byte view either way: Node's zlib types (scripts typecheck this file too) take no bare ArrayBufferView.
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  try {
    return { text: frameText(brotliDecompressSync(bytes, { maxOutputLength: MAX_FLASHBLOCK_BYTES })), compressed: true };
  } catch {
    // Not Brotli, or over the bound. A JSON frame starts with `{`: anything else was compressed.
    if (bytes.length > MAX_FLASHBLOCK_BYTES || bytes[0] !== 0x7b) return { reason: "binary frame is neither Brotli (within the size bound) nor JSON" };
    return { text: frameText(bytes), compressed: false };
  }
}

const RAW_TX = /^0x(?:[0-9a-fA-F]{2})+$/;

function hashesOf(diff: Record<string, unknown>, metadata: Record<string, unknown> | undefined): Pick<Flashblock, "hashes" | "hashesFrom"> {
  const receipts = isRecord(metadata?.receipts) ? Object.keys(metadata.receipts) : [];
  const fromReceipts = receipts.map(hash32).filter((h) => h !== null);
  if (fromReceipts.length > 0) return { hashes: fromReceipts, hashesFrom: "receipts" };
  const raw = Array.isArray(diff.transactions) ? diff.transactions : [];
  const hashes = raw.filter((tx): tx is `0x${string}` => typeof tx === "string" && RAW_TX.test(tx)).map((tx) => transactionHash(tx));
  return { hashes, hashesFrom: "transactions" };
}

/** One flashblocks frame, text or Brotli binary, as `{ payloadId, index, blockNumber, hashes }`. Never throws. */
export function decodeFlashblockFrame(data: FrameData): FlashblockMessage {
  const frame = frameJson(data);
  if ("reason" in frame) return { ok: false, reason: frame.reason };
  const json = parseJson(frame.text);
  if (!json.ok) return json;
  const m = json.value;
  if (!isRecord(m)) return { ok: false, reason: "not an object" };
  const index = quantity(m.index);
  if (typeof m.payload_id !== "string" || m.payload_id === "") return { ok: false, reason: "payload_id missing" };
  if (index === null) return { ok: false, reason: "index missing or not a number" };
  if (!isRecord(m.diff)) return { ok: false, reason: "diff missing" };
  const metadata = isRecord(m.metadata) ? m.metadata : undefined;
  const base = isRecord(m.base) ? m.base : undefined;
  const blockNumber = quantity(metadata?.block_number) ?? quantity(base?.block_number);
  return { ok: true, compressed: frame.compressed, flashblock: { payloadId: m.payload_id, index, blockNumber, ...hashesOf(m.diff, metadata) } };
}


/**
 * Which hashes were seen before, bounded by blocks rather than transactions: a hash is remembered
 * with its block, and blocks more than `keepBlocks` behind the newest seen are forgotten (a hash
 * seen again after that would count as a new first sighting, long after any send it matters for).
 * A flashblock that names no block is taken as part of the newest block seen.
 */
export class FirstSightings {
  private readonly blockOf = new Map<string, number>();
  private readonly byBlock = new Map<number, string[]>();
  private head = 0;

  constructor(private readonly keepBlocks = 64) {}

  /** The hashes of `flashblock` seen for the first time, in its order. */
  observe(flashblock: Flashblock, at: number): FirstSighting[] {
    const block = flashblock.blockNumber ?? this.head;
    this.head = Math.max(this.head, block);
    const out: FirstSighting[] = [];
    for (const hash of flashblock.hashes) {
      if (this.blockOf.has(hash)) continue;
      this.blockOf.set(hash, block);
      const list = this.byBlock.get(block);
      if (list) list.push(hash);
      else this.byBlock.set(block, [hash]);
      out.push({ hash, index: flashblock.index, blockNumber: flashblock.blockNumber, at });
    }
    this.forgetOld();
    return out;
  }

  /** Hashes remembered now (for tests and the memory bound). */
  get size(): number {
    return this.blockOf.size;
  }

  private forgetOld(): void {
    for (const [block, hashes] of this.byBlock) {
      if (block > this.head - this.keepBlocks) continue;
      for (const hash of hashes) this.blockOf.delete(hash);
      this.byBlock.delete(block);
    }
  }
}
