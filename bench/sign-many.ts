/**
 * Signs `n` eth transfers with `signer` through the product's own builder: the work the bench times,
 * inside workerd (bench/sign-worker.ts, either signer) and in Node (viem only: Node cannot import
 * the WebAssembly signer's module).
 */
import type { LocalAccount } from "viem/accounts";
import { ethTransfer } from "../src/tx/eth-transfer";

const FEES = { maxFeePerGas: "2000000000", maxPriorityFeePerGas: "1000000000" };

export async function signMany(n: number, signer: LocalAccount): Promise<number> {
  let bytes = 0;
  for (let nonce = 0; nonce < n; nonce++) {
    bytes += (await signer.signTransaction(ethTransfer({ chainId: 31337, nonce, fees: FEES, from: signer.address }))).length;
  }
  return bytes;
}
