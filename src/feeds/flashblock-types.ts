/**
 * What a flashblock frame is once decoded (flashblocks.ts), as types only: the run's feed figures
 * are read by the dashboard and the CLI, which must not pull in the decoder's Brotli and keccak.
 */

export interface Flashblock {
  payloadId: string;
  /** 0 for the first flashblock of a block (the one with `base`), then 1, 2, ... */
  index: number;
  /** `metadata.block_number`, else `base.block_number`; null when neither says. */
  blockNumber: number | null;
  /** The transactions this flashblock adds, lower-cased. */
  hashes: `0x${string}`[];
  /** Where the hashes came from: the receipts' keys, or keccak256 of each raw transaction. */
  hashesFrom: "receipts" | "transactions";
}

export type FlashblockMessage = { ok: true; flashblock: Flashblock; compressed: boolean } | { ok: false; reason: string };

export interface FirstSighting {
  hash: `0x${string}`;
  /** The flashblock index it was first seen in. */
  index: number;
  blockNumber: number | null;
  /** When the frame was received (Unix ms): the tracker's flashblock preconfirmation time. */
  at: number;
}
