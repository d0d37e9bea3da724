/**
 * Transaction signing for sender accounts: one interface, two implementations. `wasm` signs with
 * libsecp256k1 compiled to WebAssembly (issue 9: 1.8–2.3 times viem's rate inside workerd); `viem`
 * is viem's JavaScript signer, kept as the fallback and as the oracle the tests compare against.
 * Both produce byte-identical raw transactions; everything but `signTransaction` is viem's in both.
 *
 * Worker code only: the WebAssembly module is imported with this file, statically. Node cannot
 * import a `.wasm` file, so Node scripts take viem's account from keys.ts instead. (It was once
 * imported on first use; under the vitest pool, where module loading is I/O, account objects that
 * signed their first transaction at the same moment then awaited one import together, across
 * objects, which workerd refuses: "Cannot perform I/O on behalf of a different Durable Object".)
 */
import type { Hex } from "viem";
import { privateKeyToAccount, type LocalAccount } from "viem/accounts";
import type { FunderSource, SignerKind } from "../config";
import { senderKey } from "./keys";
import { wasmTransactionSigner } from "./wasm-signer";

/** The account for `privateKey`, signing its transactions with `kind`. The key stays in memory only. */
export function signerFor(privateKey: Hex, kind: SignerKind): LocalAccount {
  // Validates the key first, for both kinds.
  const account = privateKeyToAccount(privateKey);
  if (kind === "viem") return account;
  return { ...account, signTransaction: wasmTransactionSigner(privateKey) };
}

/** Sender `index` (keys.ts `senderKey`), signing with `kind`. */
export function senderSigner(source: FunderSource, index: number, kind: SignerKind): LocalAccount {
  return signerFor(senderKey(source, index), kind);
}
