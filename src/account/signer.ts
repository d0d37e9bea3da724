/**
 * Transaction signing for sender accounts: one interface, two implementations. `wasm` signs with
 * libsecp256k1 compiled to WebAssembly (issue 9: 1.8–2.3 times viem's rate inside workerd); `viem`
 * is viem's JavaScript signer, kept as the fallback and as the oracle the tests compare against.
 * Both produce byte-identical raw transactions; everything but `signTransaction` is viem's in both.
 */
import type { Hex } from "viem";
import { privateKeyToAccount, type LocalAccount } from "viem/accounts";

export const SIGNER_KINDS = ["wasm", "viem"] as const;
export type SignerKind = (typeof SIGNER_KINDS)[number];

/** The account for `privateKey`, signing its transactions with `kind`. The key stays in memory only. */
export function signerFor(privateKey: Hex, kind: SignerKind): LocalAccount {
  // Validates the key first, for both kinds.
  const account = privateKeyToAccount(privateKey);
  if (kind === "viem") return account;
  return { ...account, signTransaction: loadedOnFirstUse(privateKey) };
}

/**
 * The WebAssembly signer, imported at the first signature rather than with this module: Node
 * scripts import this module (through keys.ts) and Node cannot import a `.wasm` file. From the
 * second signature on, the signer is held and nothing is imported.
 */
function loadedOnFirstUse(privateKey: Hex): LocalAccount["signTransaction"] {
  let signTransaction: LocalAccount["signTransaction"] | undefined;
  const sign = async (...args: Parameters<LocalAccount["signTransaction"]>) => {
    signTransaction ??= (await import("./wasm-signer")).wasmTransactionSigner(privateKey);
    return signTransaction(...args);
  };
  return sign as LocalAccount["signTransaction"];
}
