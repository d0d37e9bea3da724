/**
 * keccak256 on the signing path: the signature's digest and the transaction's hash, twice per
 * transaction. js-sha3's is about three times viem's (@noble/hashes 1.x) on a transaction-sized
 * input (2.8 against 8.7 µs in Node), and keccak was a tenth of the worker's CPU under load in a
 * profile (`npm run profile`). Hex is decoded by Buffer, natively. The tests hold both to viem's.
 */
import { Buffer } from "node:buffer";
import { keccak256 } from "js-sha3";
import type { Hex } from "viem";

const bytesOf = (hex: Hex): Uint8Array => Buffer.from(hex.slice(2), "hex");

/** keccak256 of hex-encoded bytes, as bytes: what a transaction's signature signs. */
export function keccakOfHex(hex: Hex): Uint8Array {
  return new Uint8Array(keccak256.arrayBuffer(bytesOf(hex)));
}

/** A signed transaction's hash: keccak256 of its raw bytes, as hex. */
export function transactionHash(raw: Hex): Hex {
  return `0x${keccak256(bytesOf(raw))}`;
}
