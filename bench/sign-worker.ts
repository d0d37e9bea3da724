/**
 * A bench-only worker: signs `n` eth transfers with the product's own signing path (derived sender
 * key, eth-transfer builder, viem) and answers when done. The benchmark times it from outside,
 * because inside Workers the clock only moves across I/O.
 */
import { senderAccount } from "../src/account/keys";
import { DEV_MNEMONIC } from "../src/config";
import { ethTransfer } from "../src/tx/eth-transfer";

const FEES = { maxFeePerGas: "2000000000", maxPriorityFeePerGas: "1000000000" };

export async function signMany(n: number): Promise<number> {
  const signer = senderAccount({ kind: "mnemonic", mnemonic: DEV_MNEMONIC }, 0);
  let bytes = 0;
  for (let nonce = 0; nonce < n; nonce++) {
    bytes += (await signer.signTransaction(ethTransfer({ chainId: 31337, nonce, fees: FEES, from: signer.address }))).length;
  }
  return bytes;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const n = Number(new URL(request.url).searchParams.get("n") ?? "0");
    return Response.json({ n, bytes: await signMany(n) });
  },
};
