/**
 * keccak256 on the signing path (src/tx/keccak.ts) is js-sha3's, inside workerd: it must agree with
 * viem's byte for byte, on every length around keccak's 136-byte block and on real transactions.
 */
import { describe, expect, it } from "vitest";
import { bytesToHex, keccak256, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { keccakOfHex, transactionHash } from "../../src/tx/keccak";
import { mulberry32 } from "../support/seeded-random";

function randomHex(random: () => number, length: number): Hex {
  return bytesToHex(Uint8Array.from({ length }, () => Math.floor(random() * 256)));
}

describe("keccak256 on the signing path", () => {
  it("agrees with viem's on every length from 0 to 600 bytes, block boundaries included", () => {
    const random = mulberry32(9);
    for (let length = 0; length <= 600; length++) {
      const hex = randomHex(random, length);
      expect(transactionHash(hex)).toBe(keccak256(hex));
      expect(keccakOfHex(hex)).toEqual(keccak256(hex, "bytes"));
    }
  });

  it("gives a signed transaction's hash as viem computes it", async () => {
    // Anvil's first dev account.
    const account = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    const raw = await account.signTransaction({ chainId: 31337, type: "eip1559", nonce: 7, to: "0x000000000000000000000000000000000000bEEF", value: 1n, gas: 21_000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n });
    expect(transactionHash(raw)).toBe(keccak256(raw));
  });
});
