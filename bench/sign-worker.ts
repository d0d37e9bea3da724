/**
 * A bench-only worker: signs `n` eth transfers with the product's own signing path (derived sender
 * key, eth-transfer builder, `?signer=viem|wasm`, viem by default) and answers when done. The
 * benchmark times it from outside, because inside Workers the clock only moves across I/O.
 */
import { senderSigner } from "../src/account/signer";
import { DEV_MNEMONIC, SIGNER_KINDS, type SignerKind } from "../src/config";
import { signMany } from "./sign-many";

export default {
  async fetch(request: Request): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const n = Number(params.get("n") ?? "0");
    const kind = params.get("signer") ?? "viem";
    if (!(SIGNER_KINDS as readonly string[]).includes(kind)) return Response.json({ error: `signer must be one of ${SIGNER_KINDS.join(", ")}` }, { status: 400 });
    const signer = senderSigner({ kind: "mnemonic", mnemonic: DEV_MNEMONIC }, 0, kind as SignerKind);
    return Response.json({ n, signer: kind, bytes: await signMany(n, signer) });
  },
};
