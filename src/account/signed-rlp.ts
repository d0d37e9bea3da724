/**
 * A typed transaction's signed bytes from its unsigned bytes and a signature, without serialising
 * it a second time. An EIP-2718 transaction of type 1, 2 or 4 is `type ‖ rlp([fields…])` unsigned
 * and `type ‖ rlp([fields…, yParity, r, s])` signed, so the signed form is the unsigned list's
 * payload with three items appended under a new list header. viem serialises the whole transaction
 * again instead (fees, access list, authorizations: a tenth of a signature's cost in a profile).
 *
 * The items are encoded as viem's serialisers encode them (`toYParitySignatureArray`): yParity 0 as
 * the empty string, r and s with their leading zero bytes removed. The WebAssembly signer's tests
 * compare every result with viem's bytes.
 */
import type { Hex } from "viem";

/** Types whose signed form is the unsigned list plus (yParity, r, s): EIP-2930, EIP-1559, EIP-7702. */
const SPLICEABLE_TYPES = new Set(["01", "02", "04"]);

/**
 * `unsigned` (as viem serialises it) with the signature appended; undefined for a transaction of
 * another type (legacy, blob), which the caller serialises as usual.
 */
export function withSignature(unsigned: Hex, signature: { r: Hex; s: Hex; yParity: 0 | 1 }): Hex | undefined {
  const type = unsigned.slice(2, 4);
  if (!SPLICEABLE_TYPES.has(type)) return undefined;
  const payload = listPayload(unsigned, 4);
  if (payload === undefined) return undefined;
  const body = payload + (signature.yParity ? "01" : "80") + rlpString(withoutLeadingZeros(signature.r)) + rlpString(withoutLeadingZeros(signature.s));
  return `0x${type}${listHeader(body.length / 2)}${body}`;
}

/** The payload (hex, no 0x) of the RLP list that starts at character `at` of `hex`. */
function listPayload(hex: Hex, at: number): string | undefined {
  const first = parseInt(hex.slice(at, at + 2), 16);
  if (first >= 0xf8) return hex.slice(at + 2 + (first - 0xf7) * 2);
  if (first >= 0xc0) return hex.slice(at + 2);
  return undefined;
}

function listHeader(length: number): string {
  if (length < 56) return byteHex(0xc0 + length);
  const lengthHex = evenHex(length);
  return byteHex(0xf7 + lengthHex.length / 2) + lengthHex;
}

/** A byte string of at most 55 bytes (r and s have 32 at most), hex without 0x. */
function rlpString(bytes: string): string {
  if (bytes.length === 2 && parseInt(bytes, 16) < 0x80) return bytes;
  return byteHex(0x80 + bytes.length / 2) + bytes;
}

/** The value's bytes without leading zero bytes (zero: no bytes), hex without 0x. */
function withoutLeadingZeros(value: Hex): string {
  let i = 2;
  while (i < value.length - 1 && value[i] === "0" && value[i + 1] === "0") i += 2;
  return value.slice(i);
}

const byteHex = (n: number) => n.toString(16).padStart(2, "0");
const evenHex = (n: number) => {
  const hex = n.toString(16);
  return hex.length % 2 ? `0${hex}` : hex;
};
