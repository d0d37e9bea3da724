/**
 * A bench-only worker: signs `n` eth transfers with the product's own signing path (derived sender
 * key, eth-transfer builder, `?signer=viem|wasm`, viem by default) and answers when done. The
 * benchmark times it from outside, because inside Workers the clock only moves across I/O.
 * `signMany` also runs in Node, with viem (Node cannot load the wasm signer's module).
 */
import { senderAccount } from "../src/account/keys";
import { SIGNER_KINDS, type SignerKind } from "../src/account/signer";
import { DEV_MNEMONIC } from "../src/config";
import { ethTransfer } from "../src/tx/eth-transfer";

const FEES = { maxFeePerGas: "2000000000", maxPriorityFeePerGas: "1000000000" };

export async function signMany(n: number, kind: SignerKind = "viem"): Promise<number> {
  const signer = senderAccount({ kind: "mnemonic", mnemonic: DEV_MNEMONIC }, 0, kind);
  let bytes = 0;
  for (let nonce = 0; nonce < n; nonce++) {
    bytes += (await signer.signTransaction(ethTransfer({ chainId: 31337, nonce, fees: FEES, from: signer.address }))).length;
  }
  return bytes;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const n = Number(params.get("n") ?? "0");
    const kind = params.get("signer") ?? "viem";
    if (!(SIGNER_KINDS as readonly string[]).includes(kind)) return Response.json({ error: `signer must be one of ${SIGNER_KINDS.join(", ")}` }, { status: 400 });
    return Response.json({ n, signer: kind, bytes: await signMany(n, kind as SignerKind) });
  },
};
